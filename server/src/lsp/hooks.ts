// The checks other modules provide, wired into the editor's analysis. The features themselves never
// import the verifier; tests can run the analysis with other hooks (or none).
import type { AnalysisHooks } from '../editor/analysis';
import { verifyAsmDoc, verifyProbeDoc } from '../editor/verify-adapter';

export function analysisHooks(): AnalysisHooks {
  return { verifyAsm: verifyAsmDoc, verifyProbe: (doc, settings, file) => verifyProbeDoc(doc, settings, {}, file) };
}
