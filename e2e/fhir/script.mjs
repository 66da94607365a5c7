// Reads the JoinedUp FHIR API with fhir-kit-client, an independent FHIR
// client: the CapabilityStatement, one patient's Conditions page by page,
// and the patient by NHS number. Usage: node script.mjs BASEURL TOKEN
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
const types = cs.rest[0].resource.map((r) => r.type);
check(types.includes('Condition') && types.includes('Patient'), 'Condition and Patient supported: ' + types);
const carePlan = types.includes('CarePlan');

// Find a patient with a few Conditions, then page through them two at a time.
const patients = await client.search({ resourceType: 'Patient', searchParams: { _count: 50 } });
check(patients.resourceType === 'Bundle' && patients.type === 'searchset', 'Patient searchset');
let best = null;
let bestTotal = 0;
for (const e of patients.entry || []) {
  const b = await client.search({ resourceType: 'Condition', searchParams: { patient: e.resource.id, _count: 1 } });
  if (b.total > bestTotal) {
    best = e.resource;
    bestTotal = b.total;
  }
}
check(best && bestTotal >= 3, 'a patient with at least three Conditions');

const resourceType = carePlan ? 'CarePlan' : 'Condition';
let page = await client.search({ resourceType, searchParams: { patient: best.id, _count: 2 } });
const seen = new Set();
let pages = 0;
while (page) {
  pages++;
  check(page.total === bestTotal, 'total on every page');
  for (const e of page.entry || []) {
    check(e.resource.resourceType === resourceType, 'entry type');
    check(e.resource.subject.reference === 'Patient/' + best.id, 'entry subject');
    seen.add(e.resource.id);
  }
  page = await client.nextPage({ bundle: page });
}
check(seen.size === bestTotal, `paged ${seen.size} of ${bestTotal}`);
check(pages === Math.ceil(bestTotal / 2), `${pages} pages`);

const nhs = (best.identifier || []).find((i) => i.system === 'https://fhir.nhs.uk/Id/nhs-number');
if (nhs) {
  const byNHS = await client.search({ resourceType: 'Patient', searchParams: { identifier: `${nhs.system}|${nhs.value}` } });
  check(byNHS.total === 1 && byNHS.entry[0].resource.id === best.id, 'Patient by NHS number');
}
const read = await client.read({ resourceType: 'Patient', id: best.id });
check(read.id === best.id, 'Patient read');

console.log(JSON.stringify({ types: types.length, patient: best.id, resourceType, resources: seen.size, pages }));
