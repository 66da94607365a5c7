package web

import (
	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/fhirapi"
)

// routeTable is every route the server serves, read top to bottom: the
// public ones, then the pages a person's browser opens, the JSON API, and
// FHIR. Each route names the Action joinedup.Authorize decides it by,
// whether a patient's record is in scope, and whether it changes anything
// (its handler then makes the change through the coordination layer).
// Every route needs a row in the access matrix test, which fails until it
// has one, and every JSON route a path in the OpenAPI document.
func (s *Server) routeTable() []Route {
	const (
		pt = "/patients/{id}"          // a patient's pages
		ap = "/api/patients/{id}"      // a patient's JSON
		mt = "/mdt/meetings/{meeting}" // an MDT meeting's pages
		am = "/api" + mt               // an MDT meeting's JSON
	)
	var (
		readPatient  = joinedup.ActionReadPatient
		writePatient = joinedup.ActionWritePatient
		clinical     = joinedup.ActionReadClinical
		list         = joinedup.ActionListPatients
		worklist     = joinedup.ActionReadWorklist
		aggregate    = joinedup.ActionReadAggregate
		readMDT      = joinedup.ActionReadMDT
		manageMDT    = joinedup.ActionManageMDT
	)
	routes := []Route{
		// Public: no session, not audited.
		{Method: "GET", Pattern: "/healthz", Handle: s.healthz},
		{Method: "GET", Pattern: "/static/{file...}", Handle: s.static},
		{Method: "GET", Pattern: "/assets/{file...}", Handle: s.static},
		{Method: "GET", Pattern: "/{$}", Surface: SurfacePage, Handle: s.home},
		{Method: "GET", Pattern: "/signin", Surface: SurfacePage, Handle: s.signinPage},
		{Method: "POST", Pattern: "/signin", Surface: SurfacePage, Handle: s.signin},
		{Method: "POST", Pattern: "/signout", Surface: SurfacePage, Handle: s.signout},
		{Method: "GET", Pattern: "/auth/oidc/login", Surface: SurfacePage, Handle: s.oidcLogin},
		{Method: "GET", Pattern: "/auth/oidc/callback", Surface: SurfacePage, Handle: s.oidcCallback},
		{Method: "POST", Pattern: "/oauth/token", Handle: s.oauthToken},
		{Method: "GET", Pattern: "/api/openapi.json", Handle: s.openAPI},

		// Pages: lists of patients.
		{Method: "GET", Pattern: "/worklist", Action: list, Surface: SurfacePage, Handle: s.worklistPage},
		{Method: "GET", Pattern: "/worklist/tasks", Action: list, Surface: SurfacePage, Handle: s.tasksPage},
		{Method: "GET", Pattern: "/cohort", Action: list, Surface: SurfacePage, Handle: s.cohortPage},
		// Pages: one patient.
		{Method: "GET", Pattern: pt, Action: clinical, Patient: true, Surface: SurfacePage, Handle: s.patientPage},
		{Method: "POST", Pattern: pt + "/tier", Action: joinedup.ActionDecideTier, Patient: true, Write: true, Surface: SurfacePage, Handle: s.decideTier},
		{Method: "GET", Pattern: pt + "/care-plan", Action: clinical, Patient: true, Surface: SurfacePage, Handle: s.carePlanPage},
		{Method: "POST", Pattern: pt + "/care-plan", Action: writePatient, Patient: true, Write: true, Surface: SurfacePage, Handle: s.saveCarePlanPage},
		{Method: "POST", Pattern: pt + "/one-day", Action: writePatient, Patient: true, Write: true, Surface: SurfacePage, Handle: s.acceptOneDay},
		{Method: "GET", Pattern: pt + "/one-day/{schedule}/letter", Action: clinical, Patient: true, Surface: SurfacePage, Handle: s.oneDayLetter},
		// Pages: the link worker's referrals.
		{Method: "GET", Pattern: "/referrals", Action: worklist, Surface: SurfacePage, Handle: s.referralsPage},
		{Method: "POST", Pattern: "/referrals/{referral}", Action: joinedup.ActionUpdateReferral, Write: true, Surface: SurfacePage,
			PatientOf: referralPatient, Handle: s.updateReferralPage},
		// Pages: MDT meetings.
		{Method: "GET", Pattern: "/mdt", Action: readMDT, Surface: SurfacePage, Handle: s.mdtMeetingsPage},
		{Method: "GET", Pattern: mt, Action: readMDT, Surface: SurfacePage, Handle: s.mdtMeetingPage("mdt-meeting.html")},
		{Method: "POST", Pattern: mt + "/case-list", Action: manageMDT, Write: true, Surface: SurfacePage, Handle: s.buildMDTCaseListPage},
		{Method: "GET", Pattern: mt + "/print", Action: readMDT, Surface: SurfacePage, Handle: s.mdtMeetingPage("mdt-print.html")},
		{Method: "GET", Pattern: mt + "/summary", Action: readMDT, Surface: SurfacePage, Handle: s.mdtMeetingPage("mdt-summary.html")},
		{Method: "GET", Pattern: mt + pt, Action: joinedup.ActionReadMDTCase, Patient: true, Surface: SurfacePage, Handle: s.mdtCasePage},
		{Method: "POST", Pattern: mt + pt, Action: joinedup.ActionRecordMDT, Patient: true, Write: true, Surface: SurfacePage, Handle: s.recordMDTOutcomePage},
		// Pages: the LCN manager's. A what-if dry run reads every
		// patient's facts and writes nothing: an aggregate read.
		{Method: "GET", Pattern: "/dashboard", Action: aggregate, Surface: SurfacePage, Handle: s.dashboardPage},
		{Method: "GET", Pattern: "/dashboard.csv", Action: aggregate, Handle: s.dashboardCSV},
		{Method: "GET", Pattern: "/policy/what-if", Action: aggregate, Surface: SurfacePage, Handle: s.whatIfPage},
		{Method: "POST", Pattern: "/policy/what-if", Action: aggregate, Surface: SurfacePage, Handle: s.whatIfRun},
		// Pages: the administrator's. The practices' roll-out decides the
		// dashboard's pilot comparison.
		{Method: "GET", Pattern: "/practices", Action: joinedup.ActionManageRollout, Surface: SurfacePage, Handle: s.practicesPage},
		{Method: "GET", Pattern: "/hospital-messages", Action: joinedup.ActionReviewHospitalMessages, Surface: SurfacePage, Handle: s.heldMessagesPage},
		{Method: "POST", Pattern: "/hospital-messages/{message}/retry", Action: joinedup.ActionReviewHospitalMessages, Write: true,
			Surface: SurfacePage, Handle: s.retryHeldMessage},
		{Method: "POST", Pattern: "/hospital-messages/{message}/dismiss", Action: joinedup.ActionReviewHospitalMessages, Write: true,
			Surface: SurfacePage, Handle: s.dismissHeldMessage},
		{Method: "POST", Pattern: "/practices/{practice}/rollout", Action: joinedup.ActionManageRollout, Write: true, Surface: SurfacePage,
			Handle: s.setRolloutPage},

		// JSON API: lists across patients, each patient shown audited.
		{Method: "GET", Pattern: "/api/worklist", Action: worklist, Handle: s.myWorklist},
		{Method: "GET", Pattern: "/api/caseload", Action: worklist, Handle: s.caseload},
		{Method: "GET", Pattern: "/api/worklists/overdue", Action: worklist, Handle: s.overdueList},
		// JSON API: one patient.
		{Method: "GET", Pattern: ap, Action: readPatient, Patient: true, Handle: s.patientSummary},
		{Method: "POST", Pattern: ap + "/consent", Action: writePatient, Patient: true, Write: true, Handle: s.recordConsent},
		{Method: "POST", Pattern: ap + "/break-glass", Action: joinedup.ActionBreakGlass, Patient: true, Write: true, Handle: s.breakGlass},
		{Method: "GET", Pattern: ap + "/care-team", Action: readPatient, Patient: true, Handle: s.careTeam},
		{Method: "POST", Pattern: ap + "/care-team", Action: writePatient, Patient: true, Write: true, Handle: s.addCareTeamMember},
		{Method: "POST", Pattern: ap + "/care-team/{member}/end", Action: writePatient, Patient: true, Write: true, Handle: s.endCareTeamMember},
		{Method: "GET", Pattern: ap + "/care-plan", Action: readPatient, Patient: true, Handle: s.currentCarePlan},
		{Method: "PUT", Pattern: ap + "/care-plan", Action: writePatient, Patient: true, Write: true, Handle: s.saveCarePlan},
		{Method: "GET", Pattern: ap + "/care-plan/versions", Action: readPatient, Patient: true, Handle: s.carePlanHistory},
		{Method: "GET", Pattern: ap + "/care-plan/versions/{version}", Action: readPatient, Patient: true, Handle: s.carePlanVersion},
		{Method: "GET", Pattern: ap + "/tasks", Action: readPatient, Patient: true, Handle: s.patientTasks},
		{Method: "POST", Pattern: ap + "/tasks", Action: writePatient, Patient: true, Write: true, Handle: s.createTask},
		{Method: "PATCH", Pattern: ap + "/tasks/{task}", Action: writePatient, Patient: true, Write: true, Handle: s.updateTask},
		{Method: "GET", Pattern: ap + "/reviews", Action: readPatient, Patient: true, Handle: s.listReviews},
		{Method: "POST", Pattern: ap + "/reviews", Action: writePatient, Patient: true, Write: true, Handle: s.recordReview},
		{Method: "GET", Pattern: ap + "/appointments/streamlined", Action: clinical, Patient: true, Handle: s.streamlined},
		{Method: "GET", Pattern: ap + "/directory/suggestions", Action: readPatient, Patient: true, Handle: s.suggestServices},
		{Method: "GET", Pattern: ap + "/signposts", Action: readPatient, Patient: true, Handle: s.listSignposts},
		{Method: "POST", Pattern: ap + "/signposts", Action: writePatient, Patient: true, Write: true, Handle: s.signpost},
		{Method: "GET", Pattern: ap + "/referrals", Action: joinedup.ActionReadReferralShare, Patient: true, Handle: s.listReferrals},
		{Method: "POST", Pattern: ap + "/referrals", Action: writePatient, Patient: true, Write: true, Handle: s.refer},
		{Method: "PATCH", Pattern: ap + "/referrals/{referral}", Action: joinedup.ActionUpdateReferral, Patient: true, Write: true, Handle: s.updateReferral},
		{Method: "POST", Pattern: ap + "/mdt-requests", Action: joinedup.ActionRequestMDT, Patient: true, Write: true, Handle: s.requestMDT},
		{Method: "GET", Pattern: ap + "/mdt", Action: clinical, Patient: true, Handle: s.patientMDTAPI},
		// JSON API: MDT meetings.
		{Method: "GET", Pattern: "/api/mdt/meetings", Action: readMDT, Handle: s.mdtMeetingsAPI},
		{Method: "POST", Pattern: "/api/mdt/meetings", Action: manageMDT, Write: true, Handle: s.createMDTMeeting},
		{Method: "GET", Pattern: am, Action: readMDT, Handle: s.mdtMeetingAPI},
		{Method: "POST", Pattern: am + "/case-list", Action: manageMDT, Write: true, Handle: s.buildMDTCaseList},
		{Method: "POST", Pattern: am + "/next", Action: manageMDT, Write: true, Handle: s.nextMDTMeeting},
		{Method: "POST", Pattern: am + pt, Action: writePatient, Patient: true, Write: true, Handle: s.addMDTCase},
		{Method: "POST", Pattern: am + pt + "/outcome", Action: joinedup.ActionRecordMDT, Patient: true, Write: true, Handle: s.recordMDTOutcomeAPI},
		// JSON API: the service directory.
		{Method: "GET", Pattern: "/api/directory/services", Action: joinedup.ActionReadDirectory, Handle: s.searchServices},
		{Method: "GET", Pattern: "/api/directory/services/{service}", Action: joinedup.ActionReadDirectory, Handle: s.getService},
		{Method: "POST", Pattern: "/api/directory/services", Action: joinedup.ActionManageDirectory, Write: true, Handle: s.saveService},
		{Method: "PUT", Pattern: "/api/directory/services/{service}", Action: joinedup.ActionManageDirectory, Write: true, Handle: s.saveService},
		// JSON API: aggregates, the practices' roll-out, accounts and the audit.
		{Method: "GET", Pattern: "/api/aggregates/practices", Action: aggregate, Handle: s.practiceAggregates},
		{Method: "GET", Pattern: "/api/aggregates/overdue", Action: aggregate, Handle: s.overdueAggregates},
		{Method: "GET", Pattern: "/api/practices", Action: joinedup.ActionManageRollout, Handle: s.listPracticeRollouts},
		{Method: "PUT", Pattern: "/api/practices/{practice}/rollout", Action: joinedup.ActionManageRollout, Write: true, Handle: s.setPracticeRollout},
		{Method: "GET", Pattern: "/api/users", Action: joinedup.ActionManageUsers, Handle: s.listUsers},
		{Method: "POST", Pattern: "/api/users", Action: joinedup.ActionManageUsers, Write: true, Handle: s.createUser},
		{Method: "GET", Pattern: "/api/audit", Action: joinedup.ActionReadAudit, Handle: s.auditLog},
		{Method: "GET", Pattern: "/api/audit/patient/{nhs}", Action: joinedup.ActionReadAudit, Handle: s.auditPatient},

		// FHIR: the capability statement and Bulk Data export; a read and
		// a search for each served type follow.
		{Method: "GET", Pattern: "/fhir/metadata", Surface: SurfaceFHIR, Handle: s.fhirMetadata},
		{Method: "GET", Pattern: "/fhir/$export", Action: joinedup.ActionBulkExport, Bearer: true, Surface: SurfaceFHIR, Handle: s.exportKickOff("system")},
		{Method: "GET", Pattern: "/fhir/Patient/$export", Action: joinedup.ActionBulkExport, Bearer: true, Surface: SurfaceFHIR, Handle: s.exportKickOff("patient")},
		{Method: "GET", Pattern: "/fhir/$export-status/{job}", Action: joinedup.ActionBulkExport, Bearer: true, Surface: SurfaceFHIR, Handle: s.exportStatus},
		{Method: "DELETE", Pattern: "/fhir/$export-status/{job}", Action: joinedup.ActionBulkExport, Bearer: true, Surface: SurfaceFHIR, Handle: s.exportDelete},
		{Method: "GET", Pattern: "/fhir/$export-output/{job}/{file}", Action: joinedup.ActionBulkExport, Bearer: true, Surface: SurfaceFHIR, Handle: s.exportOutput},
		{Method: "POST", Pattern: "/fhir/Encounter", Action: joinedup.ActionReceiveHospitalEvent, Bearer: true, Resource: "Encounter",
			Surface: SurfaceFHIR, Handle: s.fhirReceiveEncounter},
		{Method: "POST", Pattern: "/fhir/$process-message", Action: joinedup.ActionReceiveHospitalEvent, Bearer: true, Resource: "Encounter",
			Surface: SurfaceFHIR, Handle: s.fhirProcessMessage},
	}
	for _, t := range fhirapi.Types() {
		read := Route{Method: "GET", Pattern: "/fhir/" + t.Name + "/{id}", Action: t.Action, Bearer: true, Resource: t.Name,
			Surface: SurfaceFHIR, Handle: s.fhirRead(t)}
		search := Route{Method: "GET", Pattern: "/fhir/" + t.Name, Action: t.Action, Bearer: true, Resource: t.Name,
			Surface: SurfaceFHIR, Handle: s.fhirSearch(t)}
		if t.PatientScoped() {
			read.PatientOf = func(c *Call) (string, error) { return t.PatientOf(c.R.Context(), c.Q, c.R.PathValue("id")) }
			search.PatientOf = func(c *Call) (string, error) { return searchPatient(c, t) }
		}
		routes = append(routes, read, search)
	}
	return routes
}
