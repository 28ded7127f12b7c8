// The fault point names live in a leaf module outside the core (src/faults.ts), so the
// configuration can check KURA_TEST_FAULT without importing the core.
export { FAULT_POINTS, type FaultPoint } from '../faults.js';
