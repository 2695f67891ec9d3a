// How the status bar presents a verification verdict (pure, so it is tested without VS Code).
import type { Verdict, VerdictParams } from '../../server/src/protocol';

export interface VerdictLook {
  text: string;
  tooltip: string;
  /** ThemeColor id for the item's background, when it should stand out. */
  background?: string;
}

const LOOKS: Record<Verdict, { icon: string; word: string; background?: string }> = {
  accepted: { icon: '$(pass)', word: 'accepted' },
  rejected: { icon: '$(error)', word: 'rejected', background: 'statusBarItem.errorBackground' },
  error: { icon: '$(warning)', word: 'error', background: 'statusBarItem.warningBackground' },
  unknown: { icon: '$(question)', word: 'not verified' },
};

export function verdictLook(p: Pick<VerdictParams, 'verdict' | 'summary'> | undefined): VerdictLook {
  const look = (p && LOOKS[p.verdict]) || LOOKS.unknown;
  const summary = p && typeof p.summary === 'string' && p.summary ? p.summary : look.word;
  return {
    text: `${look.icon} eBPF: ${look.word}`,
    tooltip: `${summary}\nClick to show the verifier log.`,
    background: look.background,
  };
}
