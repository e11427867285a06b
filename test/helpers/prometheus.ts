import { execFile } from 'node:child_process';

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
export interface PromFamily {
  name: string;
  type: string;
  samples: PromSample[];
}

/** Debian's python3 (python3-prometheus-client), not whatever python3 comes first on PATH. */
const PYTHON = '/usr/bin/python3';

const SCRIPT = `
import json, math, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for f in text_string_to_metric_families(sys.stdin.read()):
    out.append({"name": f.name, "type": f.type, "samples": [
        {"name": s.name, "labels": s.labels, "value": s.value if math.isfinite(s.value) else str(s.value)} for s in f.samples]})
print(json.dumps(out))
`;

/**
 * Parses a text exposition with the official Prometheus Python client's parser (Debian's
 * python3-prometheus-client): it refuses what Prometheus would refuse. Counters' family names lose
 * their `_total`; samples keep their full names.
 */
export function parsePrometheus(text: string): Promise<PromFamily[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(PYTHON, ['-c', SCRIPT], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`the Prometheus parser refused the metrics: ${stderr || err.message}`));
      resolve(JSON.parse(stdout) as PromFamily[]);
    });
    child.stdin?.end(text);
  });
}
