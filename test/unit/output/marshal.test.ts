/** The marshal encoder against Python's own marshal.loads. */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { MarshalFloat, MarshalTuple, marshalDumps } from '../../../src/output/marshal.js';

t.test('values decode in Python to what was encoded', async (t) => {
  const value = new MarshalTuple([
    0, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 40, -(2 ** 53), 12345678901234567890n, 1.5, new MarshalFloat(2), 'ascii', 'кириллица 🐍', '', null, true, false,
    new Map<string | MarshalTuple, number>([['k', 1], [new MarshalTuple(['a', 1]), 2]]),
    new MarshalTuple(Array.from({ length: 300 }, (_, i) => i)),
  ]);
  const hex = Buffer.from(marshalDumps(value)).toString('hex');
  const script = 'import marshal, sys; v = marshal.loads(bytes.fromhex(sys.argv[1])); print(repr(v[:15])); print(v[15] == {"k": 1, ("a", 1): 2}, v[16] == tuple(range(300)), type(v[8]).__name__)';
  const out = execFileSync('python3', ['-c', script, hex]).toString().split('\n');
  t.equal(out[0], "(0, -1, 2147483647, -2147483648, 1099511627776, -9007199254740992, 12345678901234567890, 1.5, 2.0, 'ascii', 'кириллица 🐍', '', None, True, False)");
  t.equal(out[1], 'True True float');
});
