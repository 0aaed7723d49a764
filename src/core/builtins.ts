// Node built-ins that only some commands need, loaded on first use. A static import
// would load and compile them on every command (exec and list included), and the
// whole CLI is one bundle. (process.getBuiltinModule: Node 20.16 and later.)
import type * as Crypto from 'node:crypto';
import type * as Http from 'node:http';
import type * as Https from 'node:https';
import type * as Zlib from 'node:zlib';

export const crypto = (): typeof Crypto => process.getBuiltinModule('node:crypto');
export const http = (): typeof Http => process.getBuiltinModule('node:http');
export const https = (): typeof Https => process.getBuiltinModule('node:https');
export const zlib = (): typeof Zlib => process.getBuiltinModule('node:zlib');
