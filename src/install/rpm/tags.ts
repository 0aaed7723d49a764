// Tag numbers of the RPM signature and main headers that zonectl reads
// (rpm-software-management/rpm include/rpm/rpmtag.h). The two headers share one
// numbering, and signature tags reuse main-header numbers (1000 is SIZE in the
// signature and NAME in the header), so they are kept apart.

/** Regions: an entry (first in the index) whose BIN data is the trailer that says how
 * much of the header is covered by digests and signatures. */
export const RegionTag = { HEADERIMAGE: 61, HEADERSIGNATURES: 62, HEADERIMMUTABLE: 63 } as const;

export const SigTag = {
  /** DSA / RSA signature over the main header (OpenPGP packet). */
  DSA: 267,
  RSA: 268,
  /** Hex SHA-1 / SHA-256 of the main header's immutable region. */
  SHA1: 269,
  SHA256: 273,
  LONGSIZE: 270,
  LONGARCHIVESIZE: 271,
  /** Bytes of main header + compressed payload. */
  SIZE: 1000,
  /** OpenPGP signatures over header + payload (RSA, DSA). */
  PGP: 1002,
  /** MD5 of main header + compressed payload (16 raw bytes). */
  MD5: 1004,
  GPG: 1005,
  /** Bytes of the uncompressed payload. */
  PAYLOADSIZE: 1007,
} as const;

export const Tag = {
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  SUMMARY: 1004,
  DESCRIPTION: 1005,
  BUILDTIME: 1006,
  SIZE: 1009,
  LICENSE: 1014,
  OS: 1021,
  ARCH: 1022,
  PREIN: 1023,
  POSTIN: 1024,
  PREUN: 1025,
  POSTUN: 1026,
  OLDFILENAMES: 1027,
  FILESIZES: 1028,
  FILEMODES: 1030,
  FILERDEVS: 1033,
  FILEMTIMES: 1034,
  FILEDIGESTS: 1035,
  FILELINKTOS: 1036,
  FILEFLAGS: 1037,
  FILEUSERNAME: 1039,
  FILEGROUPNAME: 1040,
  SOURCERPM: 1044,
  ARCHIVESIZE: 1046,
  PROVIDENAME: 1047,
  REQUIREFLAGS: 1048,
  REQUIRENAME: 1049,
  REQUIREVERSION: 1050,
  CONFLICTFLAGS: 1053,
  CONFLICTNAME: 1054,
  CONFLICTVERSION: 1055,
  PREINPROG: 1085,
  POSTINPROG: 1086,
  PREUNPROG: 1087,
  POSTUNPROG: 1088,
  OBSOLETENAME: 1090,
  PROVIDEFLAGS: 1112,
  PROVIDEVERSION: 1113,
  OBSOLETEFLAGS: 1114,
  OBSOLETEVERSION: 1115,
  DIRINDEXES: 1116,
  BASENAMES: 1117,
  DIRNAMES: 1118,
  PAYLOADFORMAT: 1124,
  PAYLOADCOMPRESSOR: 1125,
  PAYLOADFLAGS: 1126,
  PRETRANS: 1151,
  POSTTRANS: 1152,
  PRETRANSPROG: 1153,
  POSTTRANSPROG: 1154,
  LONGFILESIZES: 5008,
  LONGSIZE: 5009,
  FILEDIGESTALGO: 5011,
  /** Hex digest(s) of the compressed payload (rpm >= 4.14) and its algorithm. */
  PAYLOADDIGEST: 5092,
  PAYLOADDIGESTALGO: 5093,
} as const;

/** RPMSENSE_* bits of a dependency's flags. */
export const Sense = {
  LESS: 0x02,
  GREATER: 0x04,
  EQUAL: 0x08,
  /** Needed before the package's %pre/%post etc. run (PREREQ and the SCRIPT_* bits). */
  PREREQ: 0x40,
  SCRIPT_PRE: 0x200,
  SCRIPT_POST: 0x400,
  SCRIPT_PREUN: 0x800,
  SCRIPT_POSTUN: 0x1000,
  /** rpmlib(...) features the installing rpm must have, not packages. */
  RPMLIB: 0x1000000,
} as const;

/** RPMFILE_* bits of a file's flags. */
export const FileFlag = {
  CONFIG: 0x1,
  DOC: 0x2,
  MISSINGOK: 0x8,
  NOREPLACE: 0x10,
  GHOST: 0x40,
  LICENSE: 0x80,
} as const;

/** PGPHASHALGO_* numbers used by FILEDIGESTALGO and PAYLOADDIGESTALGO. */
export const HASH_ALGOS: Record<number, string> = { 1: 'md5', 2: 'sha1', 8: 'sha256', 9: 'sha384', 10: 'sha512', 11: 'sha224' };
