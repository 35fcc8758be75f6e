/** The PyTorch-computed criteria vectors of test/fixtures/vectors/criteria.json (see its README). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CriterionName } from './float32-oracle';

export interface CriteriaCase {
  id: string;
  criterion: CriterionName;
  n: number;
  alpha: number;
  beta: number;
  allTermsFinite: boolean;
  weight: Float32Array;
  grads: Float32Array[];
  expected: Float32Array[];
}

/** The reference vectors vendored into the repository (provenance: test/fixtures/vectors/README.md). */
export const vectorsDir = path.resolve(__dirname, '..', 'fixtures', 'vectors');

function decode(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  const out = new Float32Array(bytes.length / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

export function loadCriteriaCases(): CriteriaCase[] {
  const file = path.join(vectorsDir, 'criteria.json');
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    cases: Array<{
      id: string;
      criterion: CriterionName;
      n: number;
      alpha: number;
      beta: number;
      all_terms_finite: boolean;
      weight: string;
      grads: string[];
      expected: string[];
    }>;
  };
  return raw.cases.map((c) => ({
    id: c.id,
    criterion: c.criterion,
    n: c.n,
    alpha: c.alpha,
    beta: c.beta,
    allTermsFinite: c.all_terms_finite,
    weight: decode(c.weight),
    grads: c.grads.map(decode),
    expected: c.expected.map(decode),
  }));
}
