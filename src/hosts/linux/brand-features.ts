// The host features a brand says it needs, checked before a verb starts work so that
// a missing package is one clear line, not a runtime failure halfway through.
import { ZoneError } from '../../core/errors.js';
import type { Brand } from '../../brands/brand.js';
import { BUSYBOX_PACKAGE, findStaticBusybox } from '../../install/host-busybox.js';

export async function assertBrandHostFeatures(brand: Brand, zone: string): Promise<void> {
  for (const feature of brand.requires ?? []) {
    if (feature === 'busybox-static' && (await findStaticBusybox()) === undefined) {
      throw new ZoneError('host-missing', `zone "${zone}" (brand ${brand.name}) needs a static busybox on the host`, {
        zone,
        hint: `apt-get install ${BUSYBOX_PACKAGE}`,
      });
    }
    // oci-runtime: checked where the runtime is run, which names the program.
  }
}
