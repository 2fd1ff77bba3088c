import { parseWorld, SimState } from '../src/sim/index.ts';
import { readFileSync } from 'node:fs';
const world = JSON.parse(readFileSync('/tmp/simx/bigworld.json', 'utf8'));
let t = performance.now(); const pw = parseWorld(world); console.log('parse ms', Math.round(performance.now()-t));
t = performance.now(); const s = new SimState(pw); console.log('state ms', Math.round(performance.now()-t));
t = performance.now(); const s2 = new SimState(pw); console.log('state2 ms', Math.round(performance.now()-t));
