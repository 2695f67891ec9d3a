// Typed access to the extension's settings (package.json contributes.configuration, section "ebpfStudio").
import * as vscode from 'vscode';
import type { ProgType } from '../../server/src/core/types';

export const SECTION = 'ebpfStudio';

export interface Settings {
  programType: ProgType | 'auto';
  instructionBudget: number;
  unprivileged: boolean;
  inlayHints: { enabled: boolean };
  cpus: number;
  server: { path: string };
}

export const defaults: Settings = {
  programType: 'auto',
  instructionBudget: 1_000_000,
  unprivileged: false,
  inlayHints: { enabled: true },
  cpus: 4,
  server: { path: '' },
};

function positiveInt(v: unknown, fallback: number, max: number): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 ? Math.min(v, max) : fallback;
}

export function readSettings(scope?: vscode.ConfigurationScope): Settings {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  const programType = c.get<string>('programType', defaults.programType);
  return {
    programType: (typeof programType === 'string' && programType ? programType : 'auto') as Settings['programType'],
    instructionBudget: positiveInt(c.get('instructionBudget'), defaults.instructionBudget, 1_000_000_000),
    unprivileged: c.get<boolean>('unprivileged', defaults.unprivileged) === true,
    inlayHints: { enabled: c.get<boolean>('inlayHints.enabled', defaults.inlayHints.enabled) !== false },
    cpus: positiveInt(c.get('cpus'), defaults.cpus, 256),
    server: { path: String(c.get<string>('server.path', '') ?? '') },
  };
}
