package api

import (
	"net/http"

	"github.com/herald-notify/herald"
)

// routes lists every route of the service on one page. Each handle() call
// is also recorded (path, methods, and whether the router needs a user), and
// the OpenAPI document is built from that record, so a route cannot be
// served without being described: a new route needs its line here and its
// line in the operations table of openapi.go (TestOpenAPIHasEveryRoute).
func (s *server) routes(mux *router) {
	handle(mux, "/healthz", map[string]http.HandlerFunc{"GET": s.healthz})
	handle(mux, "/readyz", map[string]http.HandlerFunc{"GET": s.readyz})
	if s.Metrics != nil {
		handle(mux, "/metrics", map[string]http.HandlerFunc{"GET": s.Metrics.ServeHTTP})
	}
	handle(mux, "/api/v1/ping/", map[string]http.HandlerFunc{"GET": s.ping})
	mux.HandleFunc("/api/", notFoundHandler)
	handle(mux, "/api/", map[string]http.HandlerFunc{"GET": s.apiRoot})
	handle(mux, "/api/v2/", map[string]http.HandlerFunc{"GET": s.v2Root})
	mux.Handle("/api/v2/", s.v2(mux)) // AWX's shape, translated to and from v1 (v2.go)
	if s.Console != nil {
		// Every path below / that nothing else serves is the console's (its files).
		mux.HandleFunc("/", byMethod(map[string]http.HandlerFunc{"GET": s.Console.ServeHTTP}))
	} else {
		mux.HandleFunc("/", notFoundHandler)
	}

	// Everything else under /api/v1/ needs a user.
	api := mux.authenticated()
	mux.Handle("/api/v1/", s.authenticate(api))
	api.HandleFunc("/", notFoundHandler)
	handle(mux, "/api/v1/openapi.json/", map[string]http.HandlerFunc{"GET": s.openAPI})

	handle(api, "/api/v1/tokens/", map[string]http.HandlerFunc{"GET": s.listTokens, "POST": s.createToken})
	handle(api, "/api/v1/tokens/{id}/", map[string]http.HandlerFunc{"DELETE": s.deleteToken})
	handle(api, "/api/v1/me/", map[string]http.HandlerFunc{"GET": s.me})
	handle(api, "/api/v1/users/", map[string]http.HandlerFunc{"GET": s.listUsers, "POST": s.createUser})
	handle(api, "/api/v1/users/{id}/", map[string]http.HandlerFunc{"GET": s.getUser, "PUT": s.updateUser, "PATCH": s.updateUser, "DELETE": s.deleteUser})
	handle(api, "/api/v1/users/{id}/tokens/", map[string]http.HandlerFunc{"GET": s.listTokens})
	handle(api, "/api/v1/users/{id}/roles/", map[string]http.HandlerFunc{"GET": s.userRoles})
	handle(api, "/api/v1/teams/{id}/roles/", map[string]http.HandlerFunc{"GET": s.teamRoles})
	handle(api, "/api/v1/roles/{id}/", map[string]http.HandlerFunc{"GET": s.getRole})
	handle(api, "/api/v1/roles/{id}/users/", map[string]http.HandlerFunc{"POST": s.grant("users")})
	handle(api, "/api/v1/roles/{id}/teams/", map[string]http.HandlerFunc{"POST": s.grant("teams")})

	for _, t := range herald.ObjectTypes {
		base := "/api/v1/" + t.Collection + "/"
		handle(api, base, map[string]http.HandlerFunc{"GET": s.listObjects(t), "POST": s.createObject(t)})
		handle(api, base+"{id}/", map[string]http.HandlerFunc{
			"GET": s.getObject(t), "PUT": s.updateObject(t, false), "PATCH": s.updateObject(t, true), "DELETE": s.deleteObject(t),
		})
		handle(api, base+"{id}/object_roles/", map[string]http.HandlerFunc{"GET": s.objectRoles(t)})
		if t.Launches != "" {
			handle(api, base+"{id}/"+t.LaunchVerb+"/", map[string]http.HandlerFunc{"POST": s.launch(t.Launches)})
		}
		if t.Attachable() {
			for _, tr := range t.Triggers() {
				handle(api, base+"{id}/notifiers_"+string(tr)+"/", map[string]http.HandlerFunc{"GET": s.attached(t, tr), "POST": s.attach(t, tr)})
			}
			handle(api, base+"{id}/effective_notifiers/", map[string]http.HandlerFunc{"GET": s.effective(t)})
		}
	}
	handle(api, "/api/v1/organizations/{id}/notifiers/", map[string]http.HandlerFunc{"GET": s.organizationNotifiers})

	for _, k := range herald.JobKinds {
		base := "/api/v1/" + k.Collection() + "/"
		methods := map[string]http.HandlerFunc{"GET": s.listJobs(k)}
		if k == herald.KindAdHocCommand {
			methods["POST"] = s.launch(k)
		}
		handle(api, base, methods)
		handle(api, base+"{id}/", map[string]http.HandlerFunc{"GET": s.getJob(k), "PATCH": s.updateJob(k)})
		handle(api, base+"{id}/notifications/", map[string]http.HandlerFunc{"GET": s.jobNotifications(k)})
	}
	handle(api, "/api/v1/workflow_jobs/{id}/approvals/", map[string]http.HandlerFunc{"POST": s.createApproval})
	handle(api, "/api/v1/workflow_approvals/", map[string]http.HandlerFunc{"GET": s.listApprovals})
	handle(api, "/api/v1/workflow_approvals/{id}/", map[string]http.HandlerFunc{"GET": s.getApproval})
	handle(api, "/api/v1/workflow_approvals/{id}/approve/", map[string]http.HandlerFunc{"POST": s.decide(true)})
	handle(api, "/api/v1/workflow_approvals/{id}/deny/", map[string]http.HandlerFunc{"POST": s.decide(false)})
	handle(api, "/api/v1/unified_jobs/", map[string]http.HandlerFunc{"GET": s.listJobs("")})

	handle(api, "/api/v1/notifiers/", map[string]http.HandlerFunc{"GET": s.listNotifiers, "POST": s.createNotifier})
	handle(api, "/api/v1/notifiers/{id}/", map[string]http.HandlerFunc{
		"GET": s.getNotifier, "PUT": s.updateNotifier(false), "PATCH": s.updateNotifier(true), "DELETE": s.deleteNotifier,
	})
	handle(api, "/api/v1/notifiers/preview/", map[string]http.HandlerFunc{"POST": s.previewMessages})
	handle(api, "/api/v1/notification_types/", map[string]http.HandlerFunc{"GET": s.notificationTypes})
	handle(api, "/api/v1/notifiers/{id}/test/", map[string]http.HandlerFunc{"POST": s.testNotifier})
	handle(api, "/api/v1/notifiers/{id}/notifications/", map[string]http.HandlerFunc{"GET": s.notifierNotifications})

	handle(api, "/api/v1/notifications/", map[string]http.HandlerFunc{"GET": s.listNotifications})
	handle(api, "/api/v1/notifications/{id}/", map[string]http.HandlerFunc{"GET": s.getNotification})
	handle(api, "/api/v1/notifications/{id}/attempts/", map[string]http.HandlerFunc{"GET": s.notificationAttempts})
	handle(api, "/api/v1/notifications/{id}/retry/", map[string]http.HandlerFunc{"POST": s.steerNotification("retry")})
	handle(api, "/api/v1/notifications/{id}/cancel/", map[string]http.HandlerFunc{"POST": s.steerNotification("cancel")})
	handle(api, "/api/v1/notifications/retry/", map[string]http.HandlerFunc{"POST": s.steerNotifications("retry")})
	handle(api, "/api/v1/notifications/cancel/", map[string]http.HandlerFunc{"POST": s.steerNotifications("cancel")})
}
