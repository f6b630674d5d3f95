import { installTestRuntime } from '../helpers/temporal.js';

// Every integration file: the Temporal SDK logs at WARN, not INFO (replays start workers too).
installTestRuntime();
