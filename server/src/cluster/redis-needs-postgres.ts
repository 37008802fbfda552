/**
 * The refusal when REDIS_URL is set without DATABASE_URL. Its own module so that the app can check
 * the settings without loading the Redis client (loaded only when REDIS_URL is set).
 */
export const REDIS_NEEDS_POSTGRES =
  'REDIS_URL needs DATABASE_URL: instances relay documents through Redis but load and catch up ' +
  'from the shared PostgreSQL log. Set DATABASE_URL too, or unset REDIS_URL to run one instance.';
