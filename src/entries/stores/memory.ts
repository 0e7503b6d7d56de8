// Package entry `taskguard/stores/memory`: tasks that end with the process (tests, demos). Also in the root.
export { MemoryTaskStore } from '../../stores/memory.js';
