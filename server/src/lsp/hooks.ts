// The checks other modules provide, wired into the editor's analysis. Each is added here as its
// module lands, so the features themselves never import the verifier or the probe checker.
import type { AnalysisHooks } from '../editor/analysis';

export function analysisHooks(): AnalysisHooks {
  // TODO(verifier): verifyAsm via server/src/verifier; TODO(probe checker): checkProbe via server/src/probe.
  return {};
}
