package api_test

import (
	"fmt"
	"net/http"
	"reflect"
	"testing"

	"github.com/herald-notify/herald/internal/heraldtest"
)

// TestLists shares one server with organizations org-01 … org-30 and no
// other organization, so that counts and pages are exact. Nothing there
// launches a job; the job list filters run in TestJobs.
func TestLists(t *testing.T) {
	t.Parallel()
	group{
		{"Pages", testListPages},
		{"PastTheEnd", testListPastTheEnd},
		{"Empty", testListEmpty},
		{"PageSizeCap", testListPageSizeCap},
		{"FiltersAndOrder", testListFiltersAndOrder},
		{"BadQuery", testListBadQuery},
		{"NotificationConfigurationFilterForbidden", testListNotificationConfigurationFilterForbidden},
	}.run(t, thirtyOrganizations(t))
}

// thirtyOrganizations starts a server with organizations org-01 … org-30,
// described "odd org" or "even org", created in that order (ids 1 … 30).
func thirtyOrganizations(t *testing.T) *heraldtest.Server {
	t.Helper()
	s := heraldtest.Start(t, heraldtest.Options{})
	for i := 1; i <= 30; i++ {
		desc := "even org"
		if i%2 == 1 {
			desc = "odd org"
		}
		create(t, s, "organizations", map[string]any{"name": fmt.Sprintf("org-%02d", i), "description": desc})
	}
	return s
}

func orgNames(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprintf("org-%02d", i))
	}
	return out
}

func names(list map[string]any) []string {
	results, _ := list["results"].([]any)
	out := []string{}
	for _, r := range results {
		out = append(out, obj(r)["name"].(string))
	}
	return out
}

func testListPages(t *testing.T, s *heraldtest.Server) {
	const base = "/api/v1/organizations/"
	cases := []struct {
		query          string
		names          []string
		next, previous any
	}{
		{"", orgNames(1, 25), base + "?page=2", nil},
		{"?page=1", orgNames(1, 25), base + "?page=2", nil},
		{"?page=2", orgNames(26, 30), nil, base + "?page=1"},
		{"?page_size=10&page=2", orgNames(11, 20), base + "?page=3&page_size=10", base + "?page=1&page_size=10"},
		{"?page=3&page_size=10", orgNames(21, 30), nil, base + "?page=2&page_size=10"},
		{"?page_size=30", orgNames(1, 30), nil, nil},
		{"?page_size=1&page=30", []string{"org-30"}, nil, base + "?page=29&page_size=1"},
		{"?description=odd+org&page_size=5&page=2", []string{"org-11", "org-13", "org-15", "org-17", "org-19"},
			base + "?description=odd+org&page=3&page_size=5", base + "?description=odd+org&page=1&page_size=5"},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			list := must(t, s, http.StatusOK, "GET", base+c.query, nil)
			count := int64(30)
			if c.query == "?description=odd+org&page_size=5&page=2" {
				count = 15
			}
			if num(list["count"]) != count || !reflect.DeepEqual(names(list), c.names) || list["next"] != c.next || list["previous"] != c.previous {
				t.Fatalf("count %v names %v next %v previous %v", list["count"], names(list), list["next"], list["previous"])
			}
		})
	}
	t.Run("next link", func(t *testing.T) {
		first := must(t, s, http.StatusOK, "GET", base+"?page_size=7", nil)
		second := must(t, s, http.StatusOK, "GET", first["next"].(string), nil)
		if !reflect.DeepEqual(names(second), orgNames(8, 14)) {
			t.Fatalf("following next: %v", names(second))
		}
		back := must(t, s, http.StatusOK, "GET", second["previous"].(string), nil)
		if !reflect.DeepEqual(names(back), names(first)) {
			t.Fatalf("following previous: %v", names(back))
		}
	})
}

func testListPastTheEnd(t *testing.T, s *heraldtest.Server) {
	for _, q := range []string{"?page=3", "?page=2&page_size=30", "?page=31&page_size=1", "?page=99999999999", "?page=2&name=org-01", "?page=2&name=nosuch"} {
		t.Run(q, func(t *testing.T) {
			wantAnswer(t, s.Do("GET", "/api/v1/organizations/"+q, nil), http.StatusNotFound, map[string]any{"detail": "Invalid page."})
		})
	}
}

func testListEmpty(t *testing.T, s *heraldtest.Server) {
	empty := map[string]any{"count": 0, "next": nil, "previous": nil, "results": []any{}}
	for _, path := range []string{
		"/api/v1/organizations/?name=nosuch", "/api/v1/organizations/?name=nosuch&page=1", "/api/v1/jobs/",
		"/api/v1/unified_jobs/", "/api/v1/ad_hoc_commands/?page_size=5", "/api/v1/inventories/",
	} {
		t.Run(path, func(t *testing.T) {
			wantAnswer(t, s.Do("GET", path, nil), http.StatusOK, empty)
		})
	}
	for _, path := range []string{"/api/v1/jobs/?page=2", "/api/v1/organizations/?name=nosuch&page=2"} {
		wantAnswer(t, s.Do("GET", path, nil), http.StatusNotFound, map[string]any{"detail": "Invalid page."})
	}
}

func testListPageSizeCap(t *testing.T, s *heraldtest.Server) {
	for i := 1; i <= 201; i++ {
		create(t, s, "system_job_templates", map[string]any{"name": fmt.Sprintf("s%03d", i)})
	}
	const base = "/api/v1/system_job_templates/"
	list := must(t, s, http.StatusOK, "GET", base+"?page_size=1000", nil)
	if got := len(names(list)); got != 200 || num(list["count"]) != 201 || list["next"] != base+"?page=2&page_size=1000" {
		t.Fatalf("page_size=1000 served %d of %v, next %v", got, list["count"], list["next"])
	}
	last := must(t, s, http.StatusOK, "GET", list["next"].(string), nil)
	if !reflect.DeepEqual(names(last), []string{"s201"}) || last["next"] != nil {
		t.Fatalf("page 2: %v next %v", names(last), last["next"])
	}
	if got := len(names(must(t, s, http.StatusOK, "GET", base, nil))); got != 25 {
		t.Fatalf("default page size served %d, want 25", got)
	}
}

func testListFiltersAndOrder(t *testing.T, s *heraldtest.Server) {
	odd := func(from, to int) []string {
		var out []string
		for _, n := range orgNames(from, to) {
			var i int
			fmt.Sscanf(n, "org-%d", &i)
			if i%2 == 1 {
				out = append(out, n)
			}
		}
		return out
	}
	cases := []struct {
		query string
		count int64
		names []string
	}{
		{"?name=org-07", 1, []string{"org-07"}},
		{"?name__exact=org-07", 1, []string{"org-07"}},
		{"?name=ORG-07", 0, []string{}},
		{"?name__icontains=ORG-1", 10, orgNames(10, 19)},
		{"?name__in=org-01,org-03,nosuch", 2, []string{"org-01", "org-03"}},
		{"?id__in=2,4,99", 2, []string{"org-02", "org-04"}},
		{"?id=5", 1, []string{"org-05"}},
		{"?description=odd+org&page_size=30", 15, odd(1, 30)},
		{"?description=odd+org&name__icontains=1", 7, []string{"org-01", "org-11", "org-13", "org-15", "org-17", "org-19", "org-21"}},
		{"?order_by=-name&page_size=3", 30, []string{"org-30", "org-29", "org-28"}},
		{"?order_by=name&page_size=2", 30, []string{"org-01", "org-02"}},
		{"?order_by=-id&page_size=2", 30, []string{"org-30", "org-29"}},
		{"?order_by=description,-name&page_size=2", 30, []string{"org-30", "org-28"}},
		{"?order_by=-created&page_size=1", 30, []string{"org-30"}},
		{"?search=odd&page_size=30", 15, odd(1, 30)},
		{"?search=ODD&page_size=30", 15, odd(1, 30)},
		{"?search=org-2", 10, orgNames(20, 29)},
		{"?search=nothing", 0, []string{}},
		// LIKE's wildcards are literal characters in a filter.
		{"?name__icontains=%25", 0, []string{}},
		{"?name__icontains=_", 0, []string{}},
		{"?search=%25", 0, []string{}},
		{"?name=%27%3B+DROP+TABLE+organizations%3B+--", 0, []string{}},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			list := must(t, s, http.StatusOK, "GET", "/api/v1/organizations/"+c.query, nil)
			if got := names(list); !reflect.DeepEqual(got, c.names) || num(list["count"]) != c.count {
				t.Fatalf("got %v of %v, want %v of %d", got, list["count"], c.names, c.count)
			}
		})
	}
	// The DROP TABLE above was only a name.
	if list := must(t, s, http.StatusOK, "GET", "/api/v1/organizations/", nil); num(list["count"]) != 30 {
		t.Fatalf("after the filters: %v organizations", list["count"])
	}
}

func testListBadQuery(t *testing.T, s *heraldtest.Server) {
	cases := []struct{ query, field string }{
		{"?page=0", "page"},
		{"?page=-1", "page"},
		{"?page=abc", "page"},
		{"?page=1.5", "page"},
		{"?page=999999999999999999999", "page"},
		{"?page_size=0", "page_size"},
		{"?page_size=-5", "page_size"},
		{"?page_size=ten", "page_size"},
		{"?order_by=nosuch", "order_by"},
		{"?order_by=-nosuch", "order_by"},
		{"?order_by=name%3BDROP", "order_by"},
		{"?nosuch=1", "nosuch"},
		{"?name__gt=a", "name__gt"},
		{"?id=abc", "id"},
		{"?id__in=1,x", "id"},
		{"?created=yesterday", "created"},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			r := s.Do("GET", "/api/v1/organizations/"+c.query, nil)
			fieldError(t, r, c.field, "")
			requireClean(t, r)
		})
	}
}

func testListJobFilters(t *testing.T, s *heraldtest.Server) {
	f := newFixture(t, s, "jobs")
	var ids []int64
	for range 3 {
		ids = append(ids, launch(t, s, kindCases[0], f))
	}
	report(t, s, objPath("jobs", ids[1]), http.StatusOK, map[string]any{"status": "failed"})
	report(t, s, objPath("jobs", ids[2]), http.StatusOK, map[string]any{"status": "running"})
	launch(t, s, kindCases[1], f)
	// Other tests share the server: every query is narrowed to this fixture's organization.
	org := fmt.Sprintf("organization=%d", f.org)
	cases := []struct {
		query string
		count int64
	}{
		{"/api/v1/jobs/?failed=true", 1},
		{"/api/v1/jobs/?failed=false", 2},
		{"/api/v1/jobs/?status=running", 1},
		{"/api/v1/jobs/?status__in=pending,failed", 2},
		{fmt.Sprintf("/api/v1/jobs/?job_template=%d", f.jobTemplate), 3},
		{"/api/v1/jobs/?started=null", 1},
		{"/api/v1/jobs/?search=jobs+template", 3},
		{"/api/v1/jobs/?name__icontains=JOBS+TEMP", 3},
		{"/api/v1/project_updates/?status=pending", 1},
		{"/api/v1/unified_jobs/?status=pending", 2},
		{"/api/v1/unified_jobs/?type__in=job,project_update", 4},
		{"/api/v1/unified_jobs/?type=project_update", 1},
		{"/api/v1/unified_jobs/?", 4},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			if got := num(must(t, s, http.StatusOK, "GET", c.query+"&"+org, nil)["count"]); got != c.count {
				t.Fatalf("count %d, want %d", got, c.count)
			}
		})
	}
	fieldError(t, s.Do("GET", "/api/v1/jobs/?failed=maybe", nil), "failed", "boolean")
	fieldError(t, s.Do("GET", "/api/v1/jobs/?order_by=nosuch", nil), "order_by", "nosuch")
	j := must(t, s, http.StatusOK, "GET", "/api/v1/jobs/?order_by=-id&page_size=1&"+org, nil)
	if results, _ := j["results"].([]any); len(results) != 1 || heraldtest.ID(obj(results[0])) != ids[2] {
		t.Fatalf("order_by=-id: %v", j)
	}
}

func testListNotificationConfigurationFilterForbidden(t *testing.T, s *heraldtest.Server) {
	for _, q := range []string{"?notification_configuration__icontains=token", "?notification_configuration=x"} {
		wantAnswer(t, s.Do("GET", "/api/v1/notifiers/"+q, nil), http.StatusForbidden,
			map[string]any{"detail": "Filtering on notification_configuration is not allowed."})
	}
}
