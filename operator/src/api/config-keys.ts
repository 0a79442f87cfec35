// Which custom resource field becomes which key of the runtime's config.yaml (camelCase → the product's
// snake_case names), kept with the API types: the render reads them forwards, the validator's problem
// pinning backwards, and the CRDs' settings rules take their reserved keys from them.

/** Collector spec field → key of inputs.<source>. */
export const COLLECTOR_INPUT_FIELDS = {
  inputId: 'id',
  enabled: 'enabled',
  environment: 'environment',
  requestsPerSecond: 'requests_per_second',
} as const;

/** Collector spec.output field → key of outputs.devo_1.config. */
export const COLLECTOR_OUTPUT_FIELDS = {
  address: 'address',
  port: 'port',
  verifyHostname: 'verify_hostname',
} as const;

/** Service spec field → key of inputs.<source>.services.<service>. */
export const SERVICE_FIELDS = {
  enabled: 'enabled',
  requestPeriodSeconds: 'request_period_in_seconds',
  startTimeInUtc: 'start_time_in_utc',
  resetPersistenceAuth: 'reset_persistence_auth',
  overrideTag: 'override_tag',
  additionalFilter: 'additional_filter',
  overrideQueryWindowMaxSeconds: 'override_query_window_max_seconds',
} as const;

/** Keys spec.settings of a Collector may not hold: own fields, the Secret and the Service CRs set them. */
export const RESERVED_INPUT_SETTINGS: readonly string[] = [
  ...Object.values(COLLECTOR_INPUT_FIELDS),
  'request_per_second',
  'credentials',
  'services',
];
/** Keys spec.settings of a Service may not hold: its own fields set them. */
export const RESERVED_SERVICE_SETTINGS: readonly string[] = Object.values(SERVICE_FIELDS);
