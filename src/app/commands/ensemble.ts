// `ecg-edge ensemble build`: writes an ensemble manifest (models/<protocol>/ensemble.json) from trained model
// folders, each weighted by its validation score (metrics.json → validation.score, chosen on held-out DS1
// records for inter-patient; never on test data).
import fs from 'node:fs';
import path from 'node:path';
import { CliError, parse, type CommandSpec } from '../args.js';
import { engineOption, mitdbOption } from '../train-args.js';
import type { CalibrationInfo, EnsembleManifest } from '../../train/ensemble/index.js';
import type { HeldOut } from '../../train/ensemble/held-out.js';
import type { GateRR } from '../../train/ensemble/sveb-gate.js';

const help = `Usage: ecg-edge ensemble build --protocol <inter-patient|intra-patient> [--members DIR,...] [--pick P] [--method M]
                             [--calibrate none|held-out] [--sveb-gate none|rr] [--gate-rr R] [--gate-l2 X]
                             [--offsets all|none|LIST] [--propagate none|shape] [--refine none|shape]
                             [--out FILE]

Builds an ensemble manifest for \`ecg-edge eval classify --model <file>\` and \`ecg-edge report\`.
  --members LIST   comma-separated model folders (default: every model folder under models/<protocol>/)
  --pick P         all (default): every member | best-per-arch: of the members with the same architecture, only the
                   one with the best validation score (a choice made on validation data only) | held-out: recipes
                   are added greedily while the held-out score of their average improves (needs --method average;
                   with --calibrate held-out each candidate is scored with the decision step this build fits: with
                   DS1-fold members, gate and offsets fitted on three folds and scored on the fourth, as in
                   calibration.acrossFolds; else with its offsets). Inter-patient: the members
                   are DS1-fold models (train --fold 1..4), grouped into recipes by name (cnn-focal-fold3 →
                   cnn-focal), held-out = out of fold. Intra-patient: each member is a recipe, held-out = the
                   validation beats
  --method M       top2-weighted (default; the paper's Top-2-weighted ensemble) | average | weighted-average
  --calibrate C    none (default) | held-out: choose a log-space offset per class (a prior shift before the
                   argmax) that maximizes the selection score (macro F1 over classes with ≥ 20 beats) on the
                   members' held-out beats: each member scores the data it was validated on, so members trained
                   with --fold 1..4 cover all of DS1 out of fold; never test data
  --sveb-gate G    none (default) | rr: fit an S-vs-N gate, a logistic regression on the beat's RR features alone,
                   on the same held-out beats (needs --calibrate held-out); for the beats the ensemble calls N or
                   S, it splits their N+S probability between N and S. The offsets are then fitted on the gated
                   probabilities of a leave-one-record-out run of the gate, whose effect the manifest records
                   (version 3)
  --gate-rr R      with --sveb-gate rr, the RR features the gate reads: member (default): the members' own |
                   median: the same with pre- and post-RR over the running median RR (of the last 512 intervals of
                   at least 0.3 s) in place of the record-average ratios | median+irregularity: those and the
                   record's irregularity (how irregular the rhythm has been over the last ~3000 beats). Causal and
                   label-free; chosen on DS1 leave one record out: scripts/sveb-evidence.mjs
  --gate-l2 X      with --sveb-gate rr: L2 strength of the gate's fit (default 0.03, chosen on DS1 leave one record
                   out: scripts/sveb-evidence.mjs)
  --offsets O      with --calibrate held-out: all (default; every class with ≥ 20 held-out beats) | none | a list
                   such as S,V: the classes that get an offset. With DS1-fold members, the manifest also records
                   what the whole fit (gate and offsets) does leave one fold out: fitted on three folds, scored on
                   the fourth (calibration.acrossFolds), i.e. on patients it never saw
  --propagate P    none (default) | shape: within each record, every beat's 10 nearest beats in shape (within
                   ±5000 beats) vote with their probabilities, propagated over the neighbour graph, before the gate
                   and offsets (which are then fitted on propagated held-out beats). Label-free and fitted to
                   nothing; it reads later beats of the record, so it is for analysing recordings (eval, report),
                   not the live monitor. Chosen on DS1 leave one fold out: scripts/propagation-evidence.mjs
                   (version 4)
  --refine R       none (default) | shape: the same propagation once more, last, after the gate and offsets, with
                   the neighbours' vote at weight 0.5: a beat's shape family agrees on the calls the gate made beat
                   by beat. Label-free; not for the live monitor either. Chosen on DS1 leave one fold out:
                   scripts/propagation-evidence.mjs (version 5)
  --db DIR         MIT-BIH folder for --calibrate (default $ECG_EDGE_DATA/mitdb)
  --engine E       auto | node | wasm | cpu, for --calibrate (default auto)
  --out FILE       default models/<protocol>/ensemble.json
Each member's weight is its validation score from its metrics.json (validation.score).`;

export const ensembleCommand: CommandSpec = {
  name: 'ensemble',
  summary: 'build an ensemble manifest (Top-2-weighted or averaging) from trained models',
  help,
  async run(argv) {
    const a = parse(argv, { protocol: { type: 'string' }, members: { type: 'string' }, pick: { type: 'string' }, method: { type: 'string' }, out: { type: 'string' }, calibrate: { type: 'string' }, 'sveb-gate': { type: 'string' }, 'gate-l2': { type: 'string' }, 'gate-rr': { type: 'string' }, propagate: { type: 'string' }, refine: { type: 'string' }, offsets: { type: 'string' }, db: { type: 'string' }, engine: { type: 'string' } }, help);
    if (!a) return 0;
    const [sub] = a.positionals;
    if (sub !== 'build') throw new CliError(`${sub ? `unknown subcommand '${sub}'` : 'a subcommand is required'}: build\n\n${help}`);
    const o = a.values as Record<string, string | undefined>;
    const { checkProtocol } = await import('../../train/dataset/protocols.js');
    if (!o.protocol) throw new CliError('--protocol is required: inter-patient or intra-patient');
    let protocol: string;
    try {
      protocol = checkProtocol(o.protocol);
    } catch (e) {
      throw new CliError((e as Error).message);
    }
    const { ENSEMBLE_METHODS, manifestVersion, writeManifest } = await import('../../train/ensemble/index.js');
    const { discoverModels } = await import('../../train/report/index.js');
    const method = (o.method ?? 'top2-weighted') as (typeof ENSEMBLE_METHODS)[number];
    if (!ENSEMBLE_METHODS.includes(method)) throw new CliError(`unknown --method '${method}': choose one of ${ENSEMBLE_METHODS.join(', ')}`);
    const out = path.resolve(o.out ?? path.join('models', protocol, 'ensemble.json'));
    const members = o.members ? o.members.split(',').map((s) => path.resolve(s.trim())) : discoverModels(path.resolve('models'), protocol).models;
    if (!members.length) throw new CliError(`no model folders under models/${protocol}/; train some with \`ecg-edge train\` or pass --members`);
    const calibrate = o.calibrate ?? 'none';
    if (calibrate !== 'none' && calibrate !== 'held-out') throw new CliError(`unknown --calibrate '${calibrate}': choose none or held-out`);
    const gateKind = o['sveb-gate'] ?? 'none';
    if (gateKind !== 'none' && gateKind !== 'rr') throw new CliError(`unknown --sveb-gate '${gateKind}': choose none or rr`);
    if (gateKind === 'rr' && calibrate !== 'held-out') throw new CliError('--sveb-gate rr is fitted on held-out beats: add --calibrate held-out');
    let gateL2: number | undefined;
    if (o['gate-l2'] !== undefined) {
      if (gateKind !== 'rr') throw new CliError('--gate-l2 sets the S-vs-N gate\'s fit: add --sveb-gate rr');
      gateL2 = Number(o['gate-l2']);
      if (!(gateL2 >= 0) || !Number.isFinite(gateL2)) throw new CliError(`--gate-l2 must be a number ≥ 0, got '${o['gate-l2']}'`);
    }
    const gateRR = o['gate-rr'];
    if (gateRR !== undefined) {
      const { GATE_RR } = await import('../../train/ensemble/sveb-gate.js');
      if (gateKind !== 'rr') throw new CliError('--gate-rr chooses the S-vs-N gate\'s RR features: add --sveb-gate rr');
      if (!(GATE_RR as readonly string[]).includes(gateRR)) throw new CliError(`unknown --gate-rr '${gateRR}': choose ${GATE_RR.join(', ')}`);
    }
    const propagateArg = o.propagate ?? 'none';
    if (propagateArg !== 'none' && propagateArg !== 'shape') throw new CliError(`unknown --propagate '${propagateArg}': choose none or shape`);
    const refineArg = o.refine ?? 'none';
    if (refineArg !== 'none' && refineArg !== 'shape') throw new CliError(`unknown --refine '${refineArg}': choose none or shape`);
    const { SHAPE_PROPAGATION, SHAPE_REFINEMENT } = await import('../../train/ensemble/propagation.js');
    const propagation = propagateArg === 'shape' ? SHAPE_PROPAGATION : undefined;
    const refine = refineArg === 'shape' ? SHAPE_REFINEMENT : undefined;
    const offsetsArg = o.offsets ?? 'all';
    const offsets: 'all' | 'none' | string[] = offsetsArg === 'all' || offsetsArg === 'none' ? offsetsArg : offsetsArg.split(',').map((c) => c.trim());
    if (Array.isArray(offsets)) for (const c of offsets) if (!['S', 'V', 'F', 'Q'].includes(c)) throw new CliError(`--offsets: unknown class '${c}': list some of S, V, F, Q (N is the reference), or all, or none`);
    if (o.offsets !== undefined && calibrate !== 'held-out') throw new CliError('--offsets chooses which classes --calibrate held-out fits: add --calibrate held-out');
    const pick = o.pick ?? 'all';
    if (pick !== 'all' && pick !== 'best-per-arch' && pick !== 'held-out') throw new CliError(`unknown --pick '${pick}': choose all, best-per-arch or held-out`);
    if (pick === 'held-out' && method !== 'average') throw new CliError('--pick held-out averages the chosen recipes: use --method average');
    const all = members.map((d) => {
      const mf = path.join(d, 'metrics.json');
      if (!fs.existsSync(mf)) throw new CliError(`member ${d} has no metrics.json (its validation score is the weight)`);
      const m = JSON.parse(fs.readFileSync(mf, 'utf8'));
      if (m.protocol && m.protocol !== protocol) throw new CliError(`member ${d} was trained under ${m.protocol}, not ${protocol}`);
      const score = m.validation?.score;
      if (score === null && m.fold === 'all') {
        // trained on every DS1 record: nothing held out to score or weight it by
        if (method !== 'average') throw new CliError(`member ${d} was trained on all DS1 records (--fold all) and has no validation score to weight by: use --method average`);
        if (calibrate === 'held-out' || pick !== 'all') throw new CliError(`member ${d} was trained on all DS1 records (--fold all): it has no held-out data for --calibrate held-out or --pick`);
        return { model: path.relative(path.dirname(out), d) || '.', weight: 1, arch: m.arch, validation: { metric: 'none (trained on all DS1 records)', split: m.validation?.split, value: 1 } };
      }
      if (typeof score !== 'number' || !(score >= 0)) throw new CliError(`member ${d}: metrics.json has no validation.score`);
      return { model: path.relative(path.dirname(out), d) || '.', weight: score, arch: m.arch, validation: { metric: 'validation score (trainer selection score)', split: m.validation?.split, value: score } };
    });
    const bestOfArch = new Map<string, (typeof all)[number]>();
    for (const s of all) if (!(s.weight <= (bestOfArch.get(s.arch)?.weight ?? -1))) bestOfArch.set(s.arch, s);
    let specs = pick === 'best-per-arch' ? all.filter((s) => bestOfArch.get(s.arch) === s) : all;
    const classes = ['N', 'S', 'V', 'F', 'Q'];
    const base = path.dirname(out);
    const proto = protocol as 'inter-patient' | 'intra-patient';
    let calibration: { classOffsets?: number[]; calibration: CalibrationInfo } | undefined;
    let selection: EnsembleManifest['selection'];
    let svebGate: EnsembleManifest['svebGate'];
    if (calibrate === 'held-out' || pick === 'held-out') {
      const db = mitdbOption(o.db);
      const { initEngine } = await import('../../train/engine.js');
      const { heldOutProbs, pickRecipes, recipeOf } = await import('../../train/ensemble/held-out.js');
      const { fitDecision, acrossFolds } = await import('../../train/ensemble/decision.js');
      await initEngine(engineOption(o.engine), { quiet: true });
      let held: HeldOut | undefined;
      const recipe = { gate: gateKind === 'rr', offsets, ...(propagation ? { propagation } : {}), ...(refine ? { refine } : {}), ...(gateL2 !== undefined ? { gateL2 } : {}), ...(gateRR !== undefined ? { gateRR: gateRR as GateRR } : {}) };
      if (pick === 'held-out') {
        // with --calibrate held-out, a candidate is scored with the decision step this build fits: across DS1 folds
        // (fitted on three, scored on the fourth) when the members are fold models, else with its offsets (no gate);
        // always with the build's propagation and refinement
        const score = (h: HeldOut): number => {
          const across = calibrate === 'held-out' ? acrossFolds(h, classes, recipe) : null;
          return across ? across.after : fitDecision(h, classes, { ...recipe, gate: false, offsets: calibrate === 'held-out' ? offsets : 'none' }).after;
        };
        const r = await pickRecipes(specs.map((s) => path.resolve(base, s.model)), proto, db, score);
        specs = specs.filter((s) => r.recipes.has(recipeOf(s.model)));
        const how = calibrate !== 'held-out' ? 'the held-out selection score'
          : r.heldOut.folds.length >= 2 ? `the leave-one-fold-out selection score of the whole decision step (${propagation ? 'shape propagation, ' : ''}${recipe.gate ? 'S-vs-N gate, ' : ''}offsets ${Array.isArray(offsets) ? offsets.join(',') : offsets}${refine ? ', refinement' : ''})`
          : 'the held-out selection score with class offsets';
        selection = { method: `greedy forward selection of recipes on ${how}`, ...r.selection };
        held = r.heldOut;
        console.error(`ensemble: held-out score alone ${r.selection.alone.map((x) => `${x.recipe} ${x.score.toFixed(4)}`).join(', ')}; chosen ${r.selection.steps.map((x) => `${x.recipe} → ${x.score.toFixed(4)}`).join(', ')}`);
      }
      if (calibrate === 'held-out') {
        held ??= await heldOutProbs(specs.map((s) => path.resolve(base, s.model)), specs.map((s) => s.weight), method, proto, db);
        const d = fitDecision(held, classes, recipe);
        svebGate = d.svebGate;
        if (svebGate) {
          const x = svebGate.fit.outOfRecord!;
          console.error(`ensemble: S-vs-N gate on ${svebGate.fit.nBeats} N and ${svebGate.fit.sBeats} S held-out beats; leave one record out, S F1 ${x.before.f1.toFixed(3)} → ${x.after.f1.toFixed(3)} (Se ${(100 * x.before.se).toFixed(1)} → ${(100 * x.after.se).toFixed(1)} %, +P ${(100 * x.before.ppv).toFixed(1)} → ${(100 * x.after.ppv).toFixed(1)} %)`);
        }
        if (d.propagated !== undefined) console.error(`ensemble: shape propagation within records, held-out selection score ${d.before.toFixed(4)} → ${d.propagated.toFixed(4)}`);
        if (d.unrefined !== undefined) console.error(`ensemble: refinement after the offsets, held-out selection score ${d.unrefined.toFixed(4)} → ${d.after.toFixed(4)}`);
        if (d.after < d.before) console.error(`ensemble: warning: this fit lowers the held-out selection score (${d.before.toFixed(4)} → ${d.after.toFixed(4)}); compare --sveb-gate none or --offsets none`);
        const across = acrossFolds(held, classes, recipe);
        if (across) console.error(`ensemble: leave one fold out (${across.folds} folds), selection score ${across.before.toFixed(4)} → ${across.after.toFixed(4)}; F1 per class ${across.f1Before.map((v) => v?.toFixed(3) ?? '–').join(' ')} → ${across.f1After.map((v) => v?.toFixed(3) ?? '–').join(' ')}`);
        calibration = {
          ...(d.classOffsets ? { classOffsets: [...d.classOffsets] } : {}),
          calibration: {
            method: 'held-out', data: held.data, beats: held.labels.filter((l) => l >= 0).length, fitted: d.offsetFit?.fitted ?? [],
            before: d.before, after: d.after, ...(d.propagated !== undefined ? { propagated: d.propagated } : {}), ...(d.unrefined !== undefined ? { unrefined: d.unrefined } : {}), ...(d.gated !== undefined ? { gated: d.gated } : {}), ...(across ? { acrossFolds: across } : {}),
          },
        };
      }
    }
    const version = manifestVersion({ classOffsets: calibration?.classOffsets, svebGate, propagation, refine });
    writeManifest(out, { format: 'ecg-edge-ensemble', version, protocol, method, classes, members: specs, ...(calibration ?? {}), ...(svebGate ? { svebGate } : {}), ...(propagation ? { propagation } : {}), ...(refine ? { refine } : {}), ...(selection ? { selection } : {}), created: new Date().toISOString() });
    console.log(JSON.stringify({ out, method, members: specs.map((s) => ({ model: s.model, weight: s.weight })), ...(calibration ?? {}), ...(svebGate ? { svebGate: { features: svebGate.features, fit: svebGate.fit } } : {}) }));
    return 0;
  },
};
