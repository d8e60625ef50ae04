// Test fixtures shared by the VM host's specs and its users' specs (not part of the built library).
export * from './fixtures.js';
export * from './netns.js';
