import { conformanceCommand, conformanceHelp } from './conformance.ts';
import { exportCommand, exportHelp } from './export.ts';
import { summaryCommand, summaryHelp } from './summary.ts';
import { trainCommand, trainHelp } from './train.ts';

interface Command {
  summary: string;
  help: string;
  run(args: string[]): Promise<number>;
}

const commands: Record<string, Command> = {
  conformance: {
    summary: 'run the PyTorch reference cases against the engine',
    help: conformanceHelp,
    run: conformanceCommand,
  },
  summary: {
    summary: 'print a torchinfo-style table of a graph document',
    help: summaryHelp,
    run: summaryCommand,
  },
  // @group commands
  export: {
    summary: 'export a graph to PyTorch (model.py, train.py, weights, data) or ONNX',
    help: exportHelp,
    run: exportCommand,
  },
  train: {
    summary: 'train a graph on its dataset node, printing metrics per epoch',
    help: trainHelp,
    run: trainCommand,
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return [
    'Usage: shapeflow <command> [options]',
    '',
    'Commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `shapeflow <command> --help` for a command’s options.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return 0;
  }
  const command = commands[name];
  if (!command) {
    console.error(`unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.help);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    // a user-facing message, not a stack trace; SHAPEFLOW_DEBUG=1 shows the trace
    console.error(`shapeflow ${name}: ${(e as Error).message}`);
    if (process.env.SHAPEFLOW_DEBUG) console.error((e as Error).stack);
    return 1;
  }
}
