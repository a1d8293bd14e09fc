// Registers esm-when-top-level-await.mjs; the image's `tsx` wrapper puts this first in
// NODE_OPTIONS so the hook sits below tsx's own (see that file for why).
import { register } from 'node:module';

register('./esm-when-top-level-await.mjs', import.meta.url);
