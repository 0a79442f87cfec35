// One line per registered source: its conformance fixture. A source without one fails the suite.
import type { ConformanceFixture } from './fixture.ts';
import { graphAuditFixture, graphSecurityFixture } from '../inputs/microsoft_graph/conformance-fixture.ts';
import { office365Fixture } from '../inputs/office365/conformance-fixture.ts';
import { exchangeMessageTraceFixture } from '../inputs/office365_exchange_message/conformance-fixture.ts';
import { proofpointOnDemandFixture } from '../inputs/proofpoint_on_demand/conformance-fixture.ts';

export const conformanceFixtures: Readonly<Record<string, ConformanceFixture>> = {
  microsoft_graph_audit: graphAuditFixture,
  microsoft_graph_security: graphSecurityFixture,
  office365: office365Fixture,
  office365_exchange_message: exchangeMessageTraceFixture,
  proofpoint_on_demand: proofpointOnDemandFixture,
};
