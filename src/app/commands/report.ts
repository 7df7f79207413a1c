// `ecg-edge report`: docs/RESULTS.md's training-report section and the figures in docs/figures/ from the trained
// models under models/<protocol>/ (src/train/report).
import fs from 'node:fs';
import path from 'node:path';
import { engineOption, mitdbOption } from '../train-args.js';
import { CliError, parse, type CommandSpec } from '../args.js';

const help = `Usage: ecg-edge report [--protocol inter-patient|intra-patient|all] [--models PATH,...] [options]

Scores every trained model folder and ensemble manifest under models/<protocol>/ (or the --models given) on the
protocol's test beats at reference positions and writes, between <!-- BEGIN training-report --> and
<!-- END training-report --> in docs/RESULTS.md:
  per-class Se, +P, F1 and AUC; macro and weighted F1; accuracy; SVEB/VEB Se, +P, F1 (EC57 rules);
  Top-2-weighted ensemble vs probability averaging; GAN ablation (with vs without --gan); focal vs CE;
  GAN realism (models/gan/<protocol>/realism.json);
and the figures docs/figures/<protocol>-<model>-{confusion,roc,gradcam}.svg.

Options:
  --protocol P       inter-patient | intra-patient | all (default all)
  --models LIST      comma-separated model folders and/or ensemble .json files (one protocol only)
  --db DIR           MIT-BIH folder (default $ECG_EDGE_DATA/mitdb)
  --models-root DIR  where models/<protocol>/ live (default ./models)
  --results FILE     markdown file to update (default docs/RESULTS.md)
  --figures DIR      figure folder (default docs/figures)
  --no-gradcam       skip the Grad-CAM figures
  --stdout           print the section instead of writing the results file (figures are still written)
  --engine E         auto | node | wasm | cpu (default auto)`;

export const reportCommand: CommandSpec = {
  name: 'report',
  summary: 'write docs/RESULTS.md (training report) and docs/figures/ from the trained models',
  help,
  async run(argv) {
    const a = parse(
      argv,
      {
        protocol: { type: 'string' }, models: { type: 'string' }, db: { type: 'string' }, 'models-root': { type: 'string' },
        results: { type: 'string' }, figures: { type: 'string' }, 'no-gradcam': { type: 'boolean' }, stdout: { type: 'boolean' },
        engine: { type: 'string' },
      },
      help,
      false,
    );
    if (!a) return 0;
    const o = a.values as Record<string, string | boolean | undefined>;
    const { PROTOCOLS, checkProtocol } = await import('../../train/dataset/protocols.js');
    const pArg = (o.protocol as string | undefined) ?? 'all';
    let protocols;
    try {
      protocols = pArg === 'all' ? [...PROTOCOLS] : [checkProtocol(pArg)];
    } catch (e) {
      throw new CliError(`${(e as Error).message} (or 'all')`);
    }
    const models = o.models ? String(o.models).split(',').map((s) => path.resolve(s.trim())).filter(Boolean) : undefined;
    if (models) {
      if (protocols.length !== 1) throw new CliError('--models needs a single --protocol (the protocol the models were trained under)');
      for (const m of models) if (!fs.existsSync(m)) throw new CliError(`--models: '${m}' does not exist`);
    }
    const { initEngine } = await import('../../train/engine.js');
    await initEngine(engineOption(o.engine));
    const db = mitdbOption(o.db);
    const { buildReport, writeSection, SECTION } = await import('../../train/report/index.js');
    const results = path.resolve((o.results as string | undefined) ?? 'docs/RESULTS.md');
    const figuresDir = path.resolve((o.figures as string | undefined) ?? path.join(path.dirname(results), 'figures'));
    // The command as run, without machine-specific options (--db, --engine and their values).
    const shown: string[] = [];
    for (let i = 0; i < argv.length; i++) {
      const x = argv[i]!;
      if (x === '--db' || x === '--engine') { i++; continue; }
      if (x.startsWith('--db=') || x.startsWith('--engine=')) continue;
      shown.push(x);
    }
    const command = ['ecg-edge report', ...shown].join(' ');
    const { markdown } = await buildReport({
      protocols, db, models, modelsRoot: path.resolve((o['models-root'] as string | undefined) ?? 'models'), figuresDir,
      gradcam: !o['no-gradcam'], command, log: (s) => console.error(s),
    });
    if (o.stdout) console.log(markdown);
    else {
      writeSection(results, SECTION, markdown);
      console.error(`report: updated ${results} (section ${SECTION}); figures in ${figuresDir}`);
    }
    return 0;
  },
};
