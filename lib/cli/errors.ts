/** The CLI's usage error lives in the library's one error hierarchy; re-exported here for the commands. */
export { UsageError } from '../errors';
