// The office365 input: Office 365 Management Activity API (docs/sources/office365-management-activity.md).
import type { InputDefinition, ServiceDefinition } from '../definition.ts';
import { CONTENT_SERVICES } from './content-types.ts';
import { createContentPuller } from './content-puller.ts';
import { createUriRetryPuller, URI_RETRY_STATE_VERSION, type UriRetryState } from './uri-retry-puller.ts';
import {
  contentSettings,
  validateBloomSettings,
  office365Credentials,
  office365InputSettings,
  uriRetrySettings,
  type Office365Input,
} from './settings.ts';
import { migrateOffice365State, OFFICE365_STATE_VERSION, type Office365State } from './state.ts';

const periods = { defaultRequestPeriodSeconds: 300, minRequestPeriodSeconds: 60 };

function contentService(
  name: string,
): ServiceDefinition<Office365State, typeof contentSettings, Office365Input> {
  const spec = CONTENT_SERVICES[name]!;
  return {
    ...periods,
    description: spec.description,
    settings: contentSettings,
    defaultTags: spec.tags,
    stateVersion: OFFICE365_STATE_VERSION,
    migrateState: migrateOffice365State,
    validate: validateBloomSettings,
    createPuller: (ctx) => createContentPuller(ctx, spec),
  };
}

const uriRetry: ServiceDefinition<UriRetryState, typeof uriRetrySettings, Office365Input> = {
  ...periods,
  description: 'Re-fetches content URIs that failed in any other service until they succeed or expire',
  settings: uriRetrySettings,
  omit: ['start_time_in_utc'],
  defaultTags: [...new Set(Object.values(CONTENT_SERVICES).flatMap((s) => s.tags))],
  stateVersion: URI_RETRY_STATE_VERSION,
  createPuller: (ctx) => createUriRetryPuller(ctx),
};

export const office365: InputDefinition = {
  name: 'office365',
  stability: 'beta',
  description: 'Office 365 Management Activity API: the unified audit log by content type',
  credentials: office365Credentials,
  settings: office365InputSettings,
  // Each content service's dedup filter (36.9 MiB at the defaults) does not fit in a ConfigMap.
  prefersVolumeState: true,
  services: {
    azure_active_directory: contentService('azure_active_directory'),
    sharepoint: contentService('sharepoint'),
    exchange: contentService('exchange'),
    general_audit: contentService('general_audit'),
    dlp: contentService('dlp'),
    uri_retry: uriRetry,
  },
};
