// `ecg-edge gan train|evaluate`: the conditional GAN that synthesizes S, V and F beats for training
// augmentation (src/train/gan), and the evidence that its beats are realistic.
import fs from 'node:fs';
import path from 'node:path';
import { engineOption, mitdbOption } from '../train-args.js';
import { CliError, parse, type CommandSpec } from '../args.js';

const help = `Usage: ecg-edge gan train    --protocol <inter-patient|intra-patient> [--out DIR] [--steps N] [--batch N] [--lr X] [--seed N] [--db DIR] [--engine E]
       ecg-edge gan evaluate --protocol <inter-patient|intra-patient> [--gan DIR] [--n N] [--seed N] [--db DIR] [--json]

train     trains the class-conditional GAN on the protocol's training beats of classes S, V and F only (for
          inter-patient: DS1 minus the held-out validation records; never DS2) and writes
          <out>/generator/ (tfjs model) and <out>/gan.json (config, counts, loss history).
          Default --out models/gan/<protocol>, --steps 3000, --batch 16 (beats per class per step), --lr 2e-4.
evaluate  realism evidence: trains a beat-only classifier on real training beats and reports the fraction of
          synthetic beats it assigns to their intended class (next to its recall on real validation beats), and
          the distance of each synthetic beat to its nearest real training beat of the same class (next to the
          same distance for real validation beats and, leave-one-out, for training beats). Writes
          <gan>/realism.json and docs/figures/gan-<protocol>-samples.svg (--figures DIR to change).
          Default --gan models/gan/<protocol>, --n 1000 synthetic beats per class.

Options:
  --db DIR        MIT-BIH folder (default $ECG_EDGE_DATA/mitdb)
  --engine E      auto | node | wasm | cpu (default auto)
  --seed N        random seed (default 1); runs are deterministic under a fixed seed and engine`;

function num(v: unknown, name: string, def: number, integer = true, min = 0): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min) throw new CliError(`--${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}, got '${v}'`);
  return n;
}

async function common(o: Record<string, unknown>) {
  const { checkProtocol } = await import('../../train/dataset/protocols.js');
  if (!o.protocol) throw new CliError('--protocol is required: inter-patient or intra-patient');
  let protocol;
  try {
    protocol = checkProtocol(o.protocol as string);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  const { initEngine } = await import('../../train/engine.js');
  await initEngine(engineOption(o.engine));
  const db = mitdbOption(o.db);
  return { protocol, db, seed: num(o.seed, 'seed', 1) };
}

async function trainCmd(o: Record<string, unknown>): Promise<number> {
  const { protocol, db, seed } = await common(o);
  const steps = num(o.steps, 'steps', 3000, true, 1);
  const batch = num(o.batch, 'batch', 16, true, 1);
  const lr = num(o.lr, 'lr', 2e-4, false, 0);
  const { defaultInputSpec, CLASS_NAMES } = await import('../../train/spec.js');
  const { buildSplit } = await import('../../train/dataset/protocols.js');
  const { ganData, trainGan, defaultGanDir } = await import('../../train/gan/index.js');
  const out = path.resolve((o.out as string | undefined) ?? defaultGanDir(protocol));
  const spec = defaultInputSpec(360);
  const t0 = Date.now();
  const split = await buildSplit(protocol, db, spec, ['train']);
  const data = ganData(split.train, spec);
  const trainCounts: Record<string, number> = {};
  data.cfg.classes.forEach((c, k) => (trainCounts[CLASS_NAMES[c]!] = data.counts[k]!));
  console.error(`gan: ${protocol}: training beats ${Object.entries(trainCounts).map(([k, v]) => `${k} ${v}`).join(', ')}; split: ${split.description}`);
  const t1 = Date.now();
  const { gan, history } = trainGan(data, {
    steps, batch, seed, lr, logEvery: Math.max(1, Math.round(steps / 30)),
    onLog: (h) => {
      const el = (Date.now() - t1) / 1000;
      const eta = (el / h.step) * (steps - h.step);
      console.error(`gan: step ${h.step}/${steps} D ${h.dLoss.toFixed(3)} G ${h.gLoss.toFixed(3)} D(real) ${h.dReal.toFixed(2)} D(fake) ${h.dFake.toFixed(2)} ETA ${Math.round(eta)} s`);
    },
  });
  const recs = protocol === 'inter-patient' ? split.train.records : undefined;
  await gan.save(out, {
    kind: 'ecg-edge-gan', version: 1, config: data.cfg, input: spec, protocol, seed, steps, batch, trainRecords: recs, trainCounts,
    history, createdAt: new Date().toISOString(), seconds: Math.round((Date.now() - t1) / 1000),
  });
  console.error(`gan: saved ${out} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  console.log(JSON.stringify({ out, protocol, steps, seed, trainCounts, final: history.at(-1) }));
  gan.generator.dispose();
  return 0;
}

async function evaluateCmd(o: Record<string, unknown>): Promise<number> {
  const { protocol, db, seed } = await common(o);
  const nPer = num(o.n, 'n', 1000, true, 1);
  const { defaultGanDir, ConditionalGan } = await import('../../train/gan/index.js');
  const { evaluateRealism, formatRealism } = await import('../../train/gan/evaluate.js');
  const dir = path.resolve((o.gan as string | undefined) ?? defaultGanDir(protocol));
  const gan = await ConditionalGan.load(dir);
  const res = await evaluateRealism(gan, protocol, db, { nPerClass: nPer, seed, log: (s) => console.error(s) });
  const { samplesSvg, ...json } = res;
  fs.writeFileSync(path.join(dir, 'realism.json'), JSON.stringify(json, null, 2) + '\n');
  if (samplesSvg) {
    const figDir = path.resolve((o.figures as string | undefined) ?? 'docs/figures');
    fs.mkdirSync(figDir, { recursive: true });
    fs.writeFileSync(path.join(figDir, `gan-${protocol}-samples.svg`), samplesSvg);
    console.error(`gan: wrote ${path.join(figDir, `gan-${protocol}-samples.svg`)}`);
  }
  if (o.json) console.log(JSON.stringify(json));
  else console.log(formatRealism(res));
  console.error(`gan: wrote ${path.join(dir, 'realism.json')}`);
  return 0;
}

export const ganCommand: CommandSpec = {
  name: 'gan',
  summary: 'train the conditional GAN for S/V/F beats, or evaluate the realism of its beats',
  help,
  async run(argv) {
    const a = parse(
      argv,
      {
        protocol: { type: 'string' }, out: { type: 'string' }, steps: { type: 'string' }, batch: { type: 'string' },
        lr: { type: 'string' }, seed: { type: 'string' }, db: { type: 'string' }, engine: { type: 'string' },
        gan: { type: 'string' }, n: { type: 'string' }, json: { type: 'boolean' }, figures: { type: 'string' },
      },
      help,
    );
    if (!a) return 0;
    const [sub, ...extra] = a.positionals;
    if (extra.length) throw new CliError(`unexpected argument '${extra[0]}'\n\n${help}`);
    if (sub === 'train') return trainCmd(a.values);
    if (sub === 'evaluate') return evaluateCmd(a.values);
    throw new CliError(`${sub ? `unknown subcommand '${sub}'` : 'a subcommand is required'}: train or evaluate\n\n${help}`);
  },
};
