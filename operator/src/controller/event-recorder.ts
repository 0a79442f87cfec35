// Kubernetes Events (core/v1) about Collectors and Services: what `kubectl describe` shows. Recording is
// best effort: a failed Event is logged and never fails a reconcile.
import type { CoreV1Event } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { KubeRest } from '../k8s/rest-client.ts';

export const EVENT_SOURCE = 'devo-collector-operator';

export interface InvolvedObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  uid?: string;
}

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  record(obj: InvolvedObject, type: EventType, reason: string, message: string): Promise<void>;
}

export function createEventRecorder(deps: {
  rest: KubeRest;
  log: Logger;
  instance: string;
  now?: () => number;
}): EventRecorder {
  const now = deps.now ?? Date.now;
  return {
    async record(obj, type, reason, message) {
      const at = new Date(now());
      const body: CoreV1Event = {
        metadata: {
          // client-go's recorder names events <object>.<unique suffix>.
          name: `${obj.name}.${at.getTime().toString(16)}${randomBytes(4).toString('hex')}`,
          namespace: obj.namespace,
        },
        involvedObject: {
          apiVersion: obj.apiVersion,
          kind: obj.kind,
          name: obj.name,
          namespace: obj.namespace,
          uid: obj.uid,
        },
        type,
        reason,
        // The API server caps messages at 1 KiB.
        message: message.length > 1024 ? `${message.slice(0, 1021)}...` : message,
        source: { component: EVENT_SOURCE },
        reportingComponent: EVENT_SOURCE,
        reportingInstance: deps.instance,
        firstTimestamp: at,
        lastTimestamp: at,
        count: 1,
      };
      try {
        await deps.rest.request('POST', await deps.rest.pathOf('v1', 'Event', obj.namespace), { body });
      } catch (err) {
        deps.log.warn(
          { err, reason, object: `${obj.kind} ${obj.namespace}/${obj.name}` },
          'Failed to record Event',
        );
      }
    },
  };
}
