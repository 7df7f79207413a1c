// `ecg-edge train`: trains one beat classifier under a protocol and writes the float model (tfjs format),
// spec.json and metrics.json.
import path from 'node:path';
import { engineOption, mitdbOption } from '../train-args.js';
import { CliError, parse, type CommandSpec } from '../args.js';
import { ARCHS, ARCH_NAMES, archByName } from '../../train/models/index.js';
import { ENGINE_CHOICES } from '../../train/engine-choices.js';
import { PROTOCOLS, checkProtocol, interValRecords } from '../../train/dataset/protocols.js';
import { DEFAULTS, train } from '../../train/trainer.js';
import { lossNames } from '../../train/losses/index.js';
import { RR_FEATURE_NAMES, BEAT_CHANNEL_NAMES, type RRFeatureName, type BeatChannelName } from '../../train/spec.js';

const help = `Usage: ecg-edge train --arch <arch> --protocol <protocol> [options]

Trains a beat classifier on MIT-BIH ($ECG_EDGE_DATA/mitdb or --db) and writes <out>/model.json + weights.bin
(tfjs Layers format), spec.json (input spec for export), metrics.json and val-metrics.json. The best epoch is
chosen on the validation split (held-out DS1 records for inter-patient). A checkpoint is written after every
epoch to <out>/checkpoint/; running the same command again resumes from it.

Options:
  --arch <name>        ${ARCHS.map((a) => `${a.name}: ${a.description}`).join('\n                       ')}
  --protocol <name>    ${PROTOCOLS.join(' | ')}
  --loss <name>        ${lossNames().join(' | ')} (default ${DEFAULTS.loss})
  --gan                add GAN-synthesized S, V and F beats to the training set
  --seed <n>           random seed (default ${DEFAULTS.seed}); runs are deterministic under a fixed seed and engine
  --epochs <n>         epochs (default ${DEFAULTS.epochs})
  --out <dir>          output folder (default models/<protocol>/<arch>)
  --engine <name>      ${ENGINE_CHOICES.join(' | ')} (default auto: tfjs-node if installed, else wasm, else cpu)
  --db <dir>           MIT-BIH folder (default $ECG_EDGE_DATA/mitdb)
  --batch <n>          batch size (default ${DEFAULTS.batchSize})
  --lr <x>             peak learning rate (default ${DEFAULTS.lr})
  --n-per-epoch <n>    normal beats drawn per epoch, 0 = all (default ${DEFAULTS.nPerEpoch})
  --weighting <w>      class weights: sqrt | inverse | none (default ${DEFAULTS.weighting})
  --noise <x>          std of the Gaussian noise augmentation on normalized beats (default ${DEFAULTS.noise})
  --dropout <x>        dropout rate of the dense layers (default ${DEFAULTS.dropout})
  --s-premature <x>    leave out of training S beats whose pre-RR ≥ x × record and local average (0 = keep all; default ${DEFAULTS.sPremature})
  --rr-features <list> comma-separated RR features (default all: ${RR_FEATURE_NAMES.join(',')})
  --channels <list>    beat input channels: beat or beat,beat-template (default beat,beat-template)
  --rr-branch <n>      units of the dense layer the RR features pass through before joining the morphology
                       (default ${DEFAULTS.rrBranch}; 0 = join them directly, as the first models did)
  --width <x>          multiply every layer's filters and units by x (default ${DEFAULTS.width})
  --ema <decay>        keep an exponential moving average of the weights (e.g. 0.997 per batch) and validate,
                       choose the best epoch and save with it (default 0: off)
  --fold <k>           inter-patient: validate on DS1 cross-validation fold k (1-4, records in docs/TRAINING.md)
                       instead of the records 108, 114, 116, 220; the other DS1 records train. all: train on all 22
                       DS1 records with no validation for exactly --epochs epochs, keeping the last (take the epoch
                       count from the fold runs); such a model has no validation score
  --quiet              no progress bar or per-epoch lines`;

function int(v: string | undefined, name: string, def: number, min = 0): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new CliError(`--${name} must be an integer ≥ ${min}, got '${v}'`);
  return n;
}

export const trainCommand: CommandSpec = {
  name: 'train',
  summary: 'train a beat classifier (cnn, cnn-lstm, cnn-lstm-attention, resnet) under a protocol',
  help,
  async run(argv) {
    const a = parse(
      argv,
      {
        arch: { type: 'string' }, protocol: { type: 'string' }, loss: { type: 'string' }, gan: { type: 'boolean' },
        seed: { type: 'string' }, epochs: { type: 'string' }, out: { type: 'string' }, engine: { type: 'string' },
        db: { type: 'string' }, batch: { type: 'string' }, lr: { type: 'string' }, 'n-per-epoch': { type: 'string' },
        weighting: { type: 'string' }, quiet: { type: 'boolean' }, noise: { type: 'string' }, dropout: { type: 'string' }, 's-premature': { type: 'string' },
        'rr-features': { type: 'string' }, channels: { type: 'string' }, 'rr-branch': { type: 'string' },
        ema: { type: 'string' }, width: { type: 'string' }, fold: { type: 'string' },
      },
      help,
      false,
    );
    if (!a) return 0;
    const o = a.values;
    if (!o.arch) throw new CliError(`--arch is required: one of ${ARCH_NAMES.join(', ')}`);
    if (!o.protocol) throw new CliError(`--protocol is required: one of ${PROTOCOLS.join(', ')}`);
    let arch, protocol;
    try {
      arch = archByName(o.arch as string).name;
      protocol = checkProtocol(o.protocol as string);
    } catch (e) {
      throw new CliError((e as Error).message);
    }
    const fold = o.fold === undefined ? undefined : o.fold === 'all' ? ('all' as const) : int(o.fold as string, 'fold', 1, 1);
    if (fold !== undefined) {
      if (protocol !== 'inter-patient') throw new CliError('--fold needs --protocol inter-patient: the folds are DS1 records');
      try {
        interValRecords(fold);
      } catch (e) {
        throw new CliError(`--fold: ${(e as Error).message}`);
      }
    }
    const loss = (o.loss as string | undefined) ?? DEFAULTS.loss;
    if (!lossNames().includes(loss)) throw new CliError(`unknown --loss '${loss}': choose one of ${lossNames().join(', ')}`);
    const engine = engineOption(o.engine);
    const weighting = ((o.weighting as string | undefined) ?? DEFAULTS.weighting) as 'sqrt' | 'inverse' | 'none';
    if (!['sqrt', 'inverse', 'none'].includes(weighting)) throw new CliError(`unknown --weighting '${weighting}': choose sqrt, inverse or none`);
    const lr = o.lr === undefined ? DEFAULTS.lr : Number(o.lr);
    if (!(lr > 0 && lr < 1)) throw new CliError(`--lr must be a number in (0, 1), got '${o.lr}'`);
    const db = mitdbOption(o.db);
    const list = (v: unknown) => (v === undefined ? undefined : String(v).split(',').map((x) => x.trim()).filter(Boolean));
    const rrFeatures = list(o['rr-features']);
    for (const f of rrFeatures ?? []) if (!(RR_FEATURE_NAMES as readonly string[]).includes(f)) throw new CliError(`unknown RR feature '${f}' in --rr-features: choose from ${RR_FEATURE_NAMES.join(', ')}`);
    if (rrFeatures && !rrFeatures.length) throw new CliError('--rr-features needs at least one feature');
    const channels = list(o.channels);
    if (channels && !(channels[0] === 'beat' && channels.every((c) => (BEAT_CHANNEL_NAMES as readonly string[]).includes(c)) && new Set(channels).size === channels.length)) {
      throw new CliError(`--channels must start with 'beat' and use ${BEAT_CHANNEL_NAMES.join(', ')} once each, got '${String(o.channels)}'`);
    }
    await train({
      arch,
      protocol,
      loss,
      gan: Boolean(o.gan),
      seed: int(o.seed as string | undefined, 'seed', DEFAULTS.seed),
      epochs: int(o.epochs as string | undefined, 'epochs', DEFAULTS.epochs, 1),
      out: (o.out as string | undefined) ?? path.join('models', protocol, arch),
      db,
      engine,
      batchSize: int(o.batch as string | undefined, 'batch', DEFAULTS.batchSize, 1),
      lr,
      nPerEpoch: int(o['n-per-epoch'] as string | undefined, 'n-per-epoch', DEFAULTS.nPerEpoch),
      weighting,
      jitter: DEFAULTS.jitter,
      width: o.width === undefined ? DEFAULTS.width : positive(o.width, 'width'),
      sPremature: o['s-premature'] === undefined ? DEFAULTS.sPremature : Number(o['s-premature']),
      noise: o.noise === undefined ? DEFAULTS.noise : Number(o.noise),
      tilt: DEFAULTS.tilt,
      dropout: o.dropout === undefined ? DEFAULTS.dropout : Number(o.dropout),
      ...(rrFeatures ? { rrFeatures: rrFeatures as RRFeatureName[] } : {}),
      ...(channels ? { channels: channels as BeatChannelName[] } : {}),
      ...(o['rr-branch'] !== undefined ? { rrBranch: int(o['rr-branch'] as string, 'rr-branch', DEFAULTS.rrBranch) } : {}),
      ...(o.ema !== undefined ? { ema: decayOption(o.ema) } : {}),
      ...(fold !== undefined ? { fold } : {}),
      quiet: Boolean(o.quiet),
    });
    return 0;
  },
};

function positive(v: unknown, name: string): number {
  const x = Number(v);
  if (!(x > 0 && x <= 8)) throw new CliError(`--${name} must be a number in (0, 8], got '${String(v)}'`);
  return x;
}

function decayOption(v: unknown): number {
  const x = Number(v);
  if (!(x >= 0 && x < 1)) throw new CliError(`--ema must be a decay in [0, 1) such as 0.997 (0 = off), got '${String(v)}'`);
  return x;
}
