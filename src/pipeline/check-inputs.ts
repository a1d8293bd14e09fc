import { statSync } from 'node:fs';
import { BadInputError } from '../errors.js';
import type { PipelinePlan } from './plan.js';

function kindOf(path: string): 'file' | 'directory' | 'other' | undefined {
  try {
    const st = statSync(path);
    return st.isFile() ? 'file' : st.isDirectory() ? 'directory' : 'other';
  } catch {
    return undefined;
  }
}

/**
 * The files a run reads from this machine exist, checked before anything starts (no base
 * bootstrap, no docker, no lock), so a typo costs one line and exit 2 instead of a failed
 * build naming BuildKit's temp paths. CodeBuild arches build from their own source.
 */
export function checkPlanInputs(plan: PipelinePlan): void {
  const local = plan.arches.some((a) => a.builder.type !== 'codebuild');
  if (!local) return;
  if (kindOf(plan.contextDir) !== 'directory') throw new BadInputError(`build context ${plan.contextDir} is not a directory: pass an existing one to --context`);
  if (kindOf(plan.dockerfile) !== 'file') throw new BadInputError(`Dockerfile ${plan.dockerfile} does not exist: pass --dockerfile (relative to the context, or absolute)`);
  for (const secret of plan.secrets) {
    if (kindOf(secret.src) !== 'file') throw new BadInputError(`--secret ${secret.id}=${secret.src}: no such file`);
  }
  if (plan.product && plan.caBundle && kindOf(plan.caBundle) !== 'file') {
    throw new BadInputError(`CA bundle ${plan.caBundle} does not exist: pass an existing PEM file to --ca-bundle, or --no-ca-bundle`);
  }
}
