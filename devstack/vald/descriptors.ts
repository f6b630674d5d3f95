import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { VALD_DESCRIPTORS_PATH } from '../../api/grpc/descriptors.js';
import { ROOT, VALD_PYTHON, resolvePythonLib } from '../tools.js';

// `npm run vald:descriptors [OUT]`: dumps Vald's gRPC descriptors from vald-client-python (installed
// into .tools/ at its pinned version) into api/grpc/grpc-api.protoset, which is committed: the API
// loads it at start, and the production image has no Python.
export async function dumpValdDescriptors(out: string): Promise<string> {
  const python = await resolvePythonLib(VALD_PYTHON);
  const script = path.join(ROOT, 'devstack/vald/dump_descriptors.py');
  const { stdout } = await promisify(execFile)(python, [script, out]);
  return stdout.trim();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await dumpValdDescriptors(process.argv[2] ?? VALD_DESCRIPTORS_PATH));
}
