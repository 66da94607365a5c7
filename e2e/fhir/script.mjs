// Reads the JoinedUp FHIR API with fhir-kit-client, an independent FHIR
// client: the CapabilityStatement, one patient's CarePlans (a version each)
// page by page, the current plan's Goals, and the patient by NHS number.
// Usage: node script.mjs BASEURL TOKEN
import { Client } from 'fhir-kit-client';

const [baseUrl, token] = process.argv.slice(2);
if (!baseUrl || !token) {
  console.error('usage: node script.mjs BASEURL TOKEN');
  process.exit(2);
}
const client = new Client({ baseUrl, bearerToken: token });

function check(ok, what) {
  if (!ok) {
    console.error('FAIL: ' + what);
    process.exit(1);
  }
}

const cs = await client.capabilityStatement();
check(cs.resourceType === 'CapabilityStatement' && cs.fhirVersion === '4.0.1', 'CapabilityStatement');
const resources = cs.rest[0].resource;
const types = resources.map((r) => r.type);
for (const t of ['Patient', 'CarePlan', 'Goal', 'CareTeam']) {
  check(types.includes(t), t + ' supported: ' + types);
}
const carePlanParams = resources.find((r) => r.type === 'CarePlan').searchParam.map((p) => p.name);
for (const p of ['patient', '_id', 'status', '_lastUpdated']) {
  check(carePlanParams.includes(p), 'CarePlan search parameter ' + p + ': ' + carePlanParams);
}

// Find the patient with the most care plan versions, then page through
// their CarePlans one at a time.
const patients = await client.search({ resourceType: 'Patient', searchParams: { _count: 50 } });
check(patients.resourceType === 'Bundle' && patients.type === 'searchset', 'Patient searchset');
let best = null;
let bestTotal = 0;
for (const e of patients.entry || []) {
  const b = await client.search({ resourceType: 'CarePlan', searchParams: { patient: e.resource.id, _count: 1 } });
  if (b.total > bestTotal) {
    best = e.resource;
    bestTotal = b.total;
  }
}
check(best && bestTotal >= 3, 'a patient with at least three CarePlans');

const resourceType = 'CarePlan';
let page = await client.search({ resourceType, searchParams: { patient: best.id, _count: 1 } });
const seen = new Set();
const statuses = [];
const versions = [];
let pages = 0;
while (page) {
  pages++;
  check(page.total === bestTotal, 'total on every page');
  for (const e of page.entry || []) {
    const r = e.resource;
    check(r.resourceType === resourceType, 'entry type');
    check(r.subject.reference === 'Patient/' + best.id, 'entry subject');
    check(r.intent === 'plan', 'intent');
    seen.add(r.id);
    statuses.push(r.status);
    versions.push(r.meta.versionId);
  }
  page = await client.nextPage({ bundle: page });
}
check(seen.size === bestTotal, `paged ${seen.size} of ${bestTotal}`);
check(pages === bestTotal, `${pages} pages`);

// The active version's goals are Goals of their own.
const active = await client.search({ resourceType, searchParams: { patient: best.id, status: 'active' } });
check(active.total === 1, 'one active CarePlan');
const goalRefs = (active.entry[0].resource.goal || []).map((g) => g.reference);
for (const ref of goalRefs) {
  const [type, id] = ref.split('/');
  const goal = await client.read({ resourceType: type, id });
  check(goal.resourceType === 'Goal' && goal.subject.reference === 'Patient/' + best.id, 'Goal ' + ref);
}

const nhs = (best.identifier || []).find((i) => i.system === 'https://fhir.nhs.uk/Id/nhs-number');
if (nhs) {
  const byNHS = await client.search({ resourceType: 'Patient', searchParams: { identifier: `${nhs.system}|${nhs.value}` } });
  check(byNHS.total === 1 && byNHS.entry[0].resource.id === best.id, 'Patient by NHS number');
}
const read = await client.read({ resourceType: 'Patient', id: best.id });
check(read.id === best.id, 'Patient read');

console.log(JSON.stringify({ types: types.length, patient: best.id, resourceType, resources: seen.size, pages, statuses, versions, goals: goalRefs.length }));
