// Reads a JSON array of simulations (the @cloud-copilot/iam-simulate Simulation
// shape) on stdin and writes a JSON array of results on stdout: for each,
// {"result": "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied", "errors": ...}.
// elevate's Go tests call it to check the deny statements elevate writes
// with an IAM policy evaluator that is not elevate's own code.
import { runSimulation } from '@cloud-copilot/iam-simulate';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const sims = JSON.parse(input);
const out = [];
for (const sim of sims) {
  const r = await runSimulation(sim, {});
  if (r.resultType === 'error') {
    out.push({ result: 'Error', errors: r.errors });
  } else if (r.resultType === 'single') {
    out.push({ result: r.overallResult, ignored: r.result?.ignoredContextKeys ?? [] });
  } else {
    out.push({ result: r.overallResult });
  }
}
process.stdout.write(JSON.stringify(out));
