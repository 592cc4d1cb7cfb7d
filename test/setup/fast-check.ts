/**
 * Property tests in `npm test` run from a fixed seed, so CI is reproducible; set FC_SEED to
 * explore other seeds locally (`FC_SEED=$RANDOM npm test`). A failure prints its seed and
 * replay path either way. The deep run (npm run test:deep) sets its own seeds per shard.
 */
import fc from 'fast-check';

const seed = Number(process.env['FC_SEED'] ?? 0x5eed5);
fc.configureGlobal({ seed: Number.isFinite(seed) ? seed : 0x5eed5 });
