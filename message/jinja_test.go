package message

import (
	"context"
	"testing"
)

// TestJinjaCompatible renders templates and compares them with what Jinja2
// 3.1.6 (ImmutableSandboxedEnvironment, ChainableUndefined, as AWX at send
// time) rendered from the same context: the wants below are its output,
// and wantErr marks templates Jinja refuses. Known differences, left out:
// tuples print as lists, and upper() keeps 'ß'.
func TestJinjaCompatible(t *testing.T) {
	tests := []struct {
		template, want string
		wantErr        bool
	}{
		{"{{ job_friendly_name }} #{{ job.id }} '{{ job.name }}' {{ job.status }}: {{ url }}", "Job #42 'Déploiement <prod> & co' failed: https://herald.example.com/#/jobs/playbook/42", false},
		{"{{ job.type }} {{ job.url }} {{ job.failed }} {{ job.elapsed }} {{ job.started }} {{ none }}", "job /api/v1/jobs/42/ True 7.969386 2020-07-28T20:43:36.966686Z None", false},
		{"{{ job.nothing | default('none') }} {{ job.status | upper }} {{ ['a', 'b'] | join(', ') }} {{ job.host_status_counts.ok + 1 }}", "none FAILED a, b 4", false},
		{"{{ job.summary_fields.inventory | tojson }} {{ job.summary_fields.inventory }}", "{\"id\": 3, \"name\": \"Demo Inventory\"} {'id': 3, 'name': 'Demo Inventory'}", false},
		{"{% for h in ['a', 'b', 'c'] %}{{ loop.index }}={{ h }}{% if not loop.last %};{% endif %}{% endfor %}", "1=a;2=b;3=c", false},
		{"{% for k, v in job.host_status_counts.items() | sort %}{{ k }}={{ v }} {% endfor %}", "changed=1 dark=0 failed=1 failures=0 ignored=0 ok=3 processed=2 rescued=0 skipped=0 ", false},
		{"{{ 7 // -2 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 10 / 4 }} {{ 1e20 }} {{ 0.1 + 0.2 }} {{ 1e-5 }} {{ 1000000.0 }} {{ 2 ** -1 }}", "-4 2 1024 2.5 1e+20 0.30000000000000004 1e-05 1000000.0 0.5", false},
		{"{{ '%s-%d' % (job.name, job.id) }} {{ '%05.1f|%-4s|%x|%3d' % (3.14159, 'a', 255, 7) }}", "Déploiement <prod> & co-42 003.1|a   |ff|  7", false},
		{"{%- if job.failed -%}  FAIL {%- else %}ok{% endif %}", "FAIL", false},
		{"{% raw %}{{ not rendered }}{% endraw %} {# comment #}x", "{{ not rendered }} x", false},
		{"{% set ns = namespace(n=0) %}{% for i in range(5) %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}", "10", false},
		{"{{ job.missing.deeper.still }}|{{ job.missing.deeper | default('x') }}|{% if job.missing.deeper %}y{% else %}n{% endif %}", "|x|n", false},
		{"{{ 'a' if job.failed else 'b' }} {{ [1,2,3] | map('string') | join('-') }} {{ [3,1,2] | sort | list }} {{ 'abc'[1:] }} {{ 'abc'[::-1] }} {{ [1,2,3,4][1:3] }} {{ 'hello'[-2:] }}", "a 1-2-3 [1, 2, 3] bc cba [2, 3] lo", false},
		{"{{ job.name | truncate(10) }} {{ 'hello world' | title }} {{ 'x' | center(6) }}| {{ 'a\\nb' | indent(2, true) }}", "Déploie... Hello World   x   |   a\n  b", false},
		{"{{ {'b': [1, 'x', none, true]} }} {{ 'it\\'s' }} {{ \"q\" ~ 1 }} {{ [\"it's\", 'say \"x\"'] }}", "{'b': [1, 'x', None, True]} it's q1 [\"it's\", 'say \"x\"']", false},
		{"{{ job.name.upper() }} {{ 'a,b'.split(',') }} {{ '  x '.strip() }} {{ job.name.startswith('D') }} {{ ', '.join(['a','b']) }} {{ 'a b  c'.split() }}", "DÉPLOIEMENT <PROD> & CO ['a', 'b'] x True a, b ['a', 'b', 'c']", false},
		{"{{ job.__class__ }}|{{ 1 is number }} {{ x is defined }} {{ job.id is divisibleby 7 }} {{ 'a' in 'abc' }} {{ 3 not in [1] }}", "|True False True True True", false},
		{"{% for x in [] %}a{% else %}empty{% endfor %} {% for x in range(10) if x is even %}{{ loop.index }}:{{ x }}/{{ loop.length }} {% endfor %}", "empty 1:0/5 2:2/5 3:4/5 4:6/5 5:8/5 ", false},
		{"{% set s %}captured {{ job.id }}{% endset %}{{ s | upper }} {% filter upper %}up {{ job.status }}{% endfilter %}", "CAPTURED 42 UP FAILED", false},
		{"{{ [1,2] | tojson }} {{ {'a': '<&>'} | tojson }} {{ 'é' | tojson }} {{ 3.0 | int }} {{ '42' | int + 1 }} {{ 2.5 | round }} {{ -3 | abs }} {{ 2.567 | round(2) }} {{ 3.7 | int }}", "[1, 2] {\"a\": \"\\u003c\\u0026\\u003e\"} \"\\u00e9\" 3 43 2.0 3 2.57 3", false},
		{"{{ 'abc' | length }} {{ job.summary_fields | length }} {{ [1,2,2,3,1] | unique | list }} {{ ['b','A','a'] | sort }} {{ [1,2,3] | sum }} {{ [3,1,2] | max }} {{ [3,1,2] | min }}", "3 5 [1, 2, 3] ['A', 'a', 'b'] 6 3 1", false},
		{"{{ 'Hello World foo' | wordcount }} {{ '<b>x</b>' | e }} {{ '<b>x</b>' | striptags }} {{ 'abc' | reverse }} {{ [1,2,3] | reverse | list }} {{ 'abc' | first }} {{ [1,2,3] | last }}", "3 &lt;b&gt;x&lt;/b&gt; x cba [3, 2, 1] a 3", false},
		{"{{ 'abc' | list }} {{ 'x y' | replace('x', 'z') }} {{ 'aaa' | replace('a', 'b', 2) }} {{ ' x ' | trim }} {{ 'hello' | capitalize }} {{ 'HeLLo' | lower }}", "['a', 'b', 'c'] z y bba x Hello hello", false},
		{"{{ [{'n':'b'},{'n':'a'}] | map(attribute='n') | join(',') }} {{ [{'n':'b'},{'n':'a'}] | sort(attribute='n') | map(attribute='n') | list }} {{ [{'n':1},{'m':2}] | rejectattr('n') | list }}", "b,a ['a', 'b'] [{'m': 2}]", false},
		{"{{ range(3) | list }} {{ range(1, 10, 3) | list }} {{ range(5, 0, -2) | list }} {{ dict(a=1, b=2) }} {{ [1, 2] + [3] }} {{ 'ab' * 3 }} {{ [0] * 3 }}", "[0, 1, 2] [1, 4, 7] [5, 3, 1] {'a': 1, 'b': 2} [1, 2, 3] ababab [0, 0, 0]", false},
		{"{{ 1 < 2 < 3 }} {{ 1 == 1.0 }} {{ 'a' < 'b' }} {{ not 1 }} {{ none is none }} {{ true and 'x' }} {{ false or 0 or 'z' }} {{ -(-2) }} {{ 5 - -3 }}", "True True True False True x z 2 8", false},
		{"{% with a = 1, b = 2 %}{{ a + b }}{% endwith %} {% set x, y = 1, 2 %}", "3 ", false},
		{"{{ job.host_status_counts.ok * 20 }} {{ job.summary_fields.inventory['name'] }} {{ job['status'] }} {{ job.get('status') }} {{ job.get('nope', 'dflt') }} {{ job.keys() | list | length }}", "60 Demo Inventory failed failed dflt 19", false},
		{"{% for i in range(3) %}{{ loop.cycle('odd', 'even') }}{{ loop.revindex }}{{ loop.first }}{% endfor %}", "odd3Trueeven2Falseodd1False", false},
		{"{{ loop.index }}x{{ missing }}y{{ missing.a.b }}z", "xyz", false},
		{"{{ 10 % 3 }} {{ 10.5 % 3 }} {{ -10 // 3 }} {{ 10 // 3.0 }} {{ 2 ** 0.5 }} {{ 7 / 7 }}", "1 1.5 -4 3.0 1.4142135623730951 1.0", false},
		{"{{ 'a\\tb\\nc' }} {{ ['a\\tb\\nc', '\\x01'] }}", "a\tb\nc ['a\\tb\\nc', '\\x01']", false},
		{"{{ job.elapsed | round(1) }} {{ job.elapsed | int }} {{ job.id | string ~ '!' }} {{ job.id ~ job.name }}", "8.0 7 42! 42Déploiement <prod> & co", false},
		{"  {%- for i in [1,2] %}", "", true},
		{"  item {{ i }}", "  item ", false},
		{"  {%- endfor %}", "", true},
		{"{{ [1,'a'] | join }} {{ 'x' | default('y') }} {{ '' | default('y') }} {{ '' | default('y', true) }} {{ none | default('n') }} {{ none | d('n', true) }}", "1a x  y None n", false},
		{"{{ 'abc' is string }} {{ 1 is string }} {{ [1] is sequence }} {{ {} is mapping }} {{ 1.5 is float }} {{ 1 is integer }} {{ x is undefined }} {{ none is none }} {{ 3 is odd }} {{ 2 is even }}", "True False True True True True True True True True", false},
		{"{{ 'a' is in 'abc' }} {{ 1 is eq 1 }} {{ 2 is gt 1 }} {{ 'ABC' is upper }} {{ 'abc' is lower }}", "True True True True True", false},
		{"{{ 'ab-cd' | title }} {{ \"o'neil mc\" | title }} {{ 'a' ~ none ~ true }}", "Ab-Cd O'neil Mc aNoneTrue", false},
		{"{{ [[1, 2], [3]] | tojson(indent=2) }}", "[\n  [\n    1,\n    2\n  ],\n  [\n    3\n  ]\n]", false},
		{"{{ 1 if false }}|{{ 'x' if true }}", "|x", false},
		{"{{ 'abcdef' | truncate(5, true) }} {{ 'abc def ghi jkl' | truncate(9) }} {{ 'abc def ghi jkl' | truncate(9, false, '..', 0) }}", "abcdef abc... abc..", false},
		{"{{ [1,2,3,4,5] | batch(2) | list }} {{ [1,2,3] | batch(2, 'x') | list }}", "[[1, 2], [3, 4], [5]] [[1, 2], [3, 'x']]", false},
		{"{{ 'a' ~ 1.0 }} {{ 1.5e300 * 1e10 }} {{ 100000000000000000.0 }} {{ 12345678901234567.0 }} {{ 0.0001 }} {{ 0.00001234 }}", "a1.0 inf 1e+17 1.2345678901234568e+16 0.0001 1.234e-05", false},
		{"{{ 'x' ~ job.summary_fields.project }}", "x{'id': 4}", false},
		{"{{ \"%s\" % 'one' }} {{ \"%s %s\" % ('a', 'b') }} {{ \"%r\" % 'a' }} {{ \"%d%%\" % 50 }} {{ \"%.2f\" % 2 }}", "one a b 'a' 50% 2.00", false},
		{"{{ 'a b'.title() }} {{ 'x'.center(5) }}| {{ 'x'.ljust(3) }}| {{ 'x'.rjust(3) }}| {{ '5'.zfill(3) }} {{ 'abcabc'.count('b') }} {{ 'abc'.find('c') }} {{ 'a,b,c'.split(',', 1) }} {{ 'a,b,c'.rsplit(',', 1) }}", "A B   x  | x  |   x| 005 2 2 ['a', 'b,c'] ['a,b', 'c']", false},
		{"{{ '1 2'.isdigit() }} {{ '12'.isdigit() }} {{ 'a\\nb\\n'.splitlines() }} {{ 'xxhixx'.strip('x') }}", "False True ['a', 'b'] hi", false},
		{"{{ [1,2,3] | select('gt', 1) | list }} {{ [1,2,3] | reject('eq', 2) | list }} {{ ['a', 'B'] | map('upper') | list }} {{ [1, 2] | map('string') | list }}", "[2, 3] [1, 3] ['A', 'B'] ['1', '2']", false},
		{"{% for a, b in [[1, 2], [3, 4]] %}{{ a }}{{ b }}{% endfor %}", "1234", false},
		{"{% for c in 'abc' %}{{ c }}{{ loop.index0 }}{% endfor %}", "a0b1c2", false},
		{"{% for k in {'z': 1, 'y': 2} %}{{ k }}{% endfor %}", "zy", false},
		{"{{ true }} {{ True }} {{ False }} {{ 42 }} {{ -0.0 }} {{ 1_000 }}", "True True False 42 -0.0 1000", false},
		{"{{ 1 + 1.5 }} {{ true + 1 }} {{ 3 * 1.5 }} {{ 2 * 'ab' }}", "2.5 2 4.5 abab", false},
		{"{{ job.summary_fields.inventory | tojson(indent=2) }}", "{\n  \"id\": 3,\n  \"name\": \"Demo Inventory\"\n}", false},
		{"{{ job.name | e }} {{ job.name | escape }}", "Déploiement &lt;prod&gt; &amp; co Déploiement &lt;prod&gt; &amp; co", false},
		{"{{ job.limit | urlencode }} {{ 'a b&c' | urlencode }}", "web%2A a%20b%26c", false},
		{"{{ [1, 2, 3] | join(', ') | upper | length }} {{ -2 ** 2 }} {{ (-2) ** 2 }} {{ -1 | abs }}", "7 4 4 1", false},
		{"{{ 'a' < 'B' }} {{ [1, 2] < [1, 3] }} {{ [1] == [1] }} {{ {'a': 1} == {'a': 1} }} {{ 'a' != 'b' }}", "False True True True True", false},
		{"{% if 1 %}a{% elif 2 %}b{% else %}c{% endif %}{% if 0 %}a{% elif 2 %}b{% else %}c{% endif %}{% if 0 %}a{% elif 0 %}b{% else %}c{% endif %}", "abc", false},
		{"{{ [1, [2, [3]]] }} {{ 'a' 'b' }} {{ \"a\\\\b\" }}", "[1, [2, [3]]] ab a\\b", false},
		{"text {{- ' trimmed ' -}} text", "text trimmed text", false},
		{"{{ range(3) | map('string') | join }} {{ [1.5, 2.5] | sum }} {{ ['a', 'b'] | sum(start='') if false else 'skip' }}", "012 4.0 skip", false},
		{"{{ 'aXbXc' | replace('X', '') }} {{ ['x'] | first | upper }} {{ 'x,y' | split(',') if false else 'nosplit' }}", "abc X nosplit", false},
		{"{{ 3 | float }} {{ 'x' | float }} {{ 'x' | int }} {{ '0x1A' | int(0, 16) }} {{ '1.9' | int }} {{ ' 7 ' | int }}", "3.0 0.0 0 26 1 7", false},
		{"{{ 'abc' | center(2) }} {{ 'ab' | center(5) }}| {{ 'ab' | center(6) }}|", "abc   ab |   ab  |", false},
		{"{{ job.name }} {{ job.status }} on {{ job.summary_fields.inventory.name }} ({{ job.host_status_counts.failures }} failures)", "Déploiement <prod> & co failed on Demo Inventory (0 failures)", false},
		{"{\"text\": \"{{ job.name }} {{ job.status }}\", \"url\": \"{{ url }}\", \"ok\": {{ job.host_status_counts.ok }}}", "{\"text\": \"Déploiement <prod> & co failed\", \"url\": \"https://herald.example.com/#/jobs/playbook/42\", \"ok\": 3}", false},
		{"{% if job.status == 'successful' %}✅{% elif job.status == 'failed' %}❌{% else %}⚠️{% endif %} {{ job.name }}", "❌ Déploiement <prod> & co", false},
		{"{{ job.started | default('never', true) }} → {{ job.finished }} ({{ job.elapsed | round(1) }} s)", "2020-07-28T20:43:36.966686Z → 2020-07-28T20:43:44.936072Z (8.0 s)", false},
		{"{{ job_metadata | truncate(50) }}", "{\n    \"id\": 42,\n    \"name\": \"Déploiement...", false},
		{"{% for k, v in job.host_status_counts | dictsort %}{{ k }}: {{ v }}{{ ', ' if not loop.last }}{% endfor %}", "changed: 1, dark: 0, failed: 1, failures: 0, ignored: 0, ok: 3, processed: 2, rescued: 0, skipped: 0", false},
		{"{{ 1 // 0 }}", "", true},
		{"{{ 1 % 0 }}", "", true},
		{"{{ 'a' + 1 }}", "", true},
		{"{{ job.id + job.missing }}", "", true},
		{"{{ none.x }}|{{ job.summary_fields.nothing.name | default('-') }}", "|-", false},
		{"{{ job.launch_type | capitalize }} launch by {{ job.summary_fields.created_by.username | default('nobody') }}", "Manual launch by bianca", false},
		{"{% set failed = job.host_status_counts.failures > 0 %}{{ 'FAILED' if failed else 'OK' }}{% if failed %} ({{ job.host_status_counts.failures }}){% endif %}", "OK", false},
		{"{{ job.name | lower | replace(' ', '-') | replace('<', '') | replace('>', '') }}", "déploiement-prod-&-co", false},
		{"{{ \"%-10s|%5d|\" % (job.status, job.id) }}", "failed    |   42|", false},
		{"{{ job.id is even }} {{ job.id is odd }} {{ job.failed is sameas true }}", "True False True", false},
		{"{{ [job.name, job.status, job.limit] | select | join(' / ') }}", "Déploiement <prod> & co / failed / web*", false},
		{"{{ job.summary_fields.keys() | sort | join(',') }}", "created_by,inventory,job_template,project,unified_job_template", false},
		{"{% for x in job.summary_fields.inventory.values() %}[{{ x }}]{% endfor %}", "[3][Demo Inventory]", false},
		{"{{ job.url ~ '?format=json' }}", "/api/v1/jobs/42/?format=json", false},
		{"{{ (job.host_status_counts.ok / (job.host_status_counts.processed or 1) * 100) | round | int }}%", "150%", false},
		{"{{ range(1, job.host_status_counts.ok + 1) | list }}", "[1, 2, 3]", false},
		{"{% if job.limit and 'web' in job.limit %}web hosts{% endif %}", "web hosts", false},
		{"{{ job.playbook.split('.')[0] | upper }}", "FAIL", false},
		{"{{ job.created[:10] }} {{ job.created[11:19] }}", "2020-07-28 20:43:30", false},
	}
	vars := jobVars(playbookJob(), base)
	for _, tt := range tests {
		got, err := render(context.Background(), tt.template, vars, false)
		if tt.wantErr {
			if err == nil {
				t.Errorf("render(%q) = %q, want an error", tt.template, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("render(%q) =\n %q, %v\nwant\n %q", tt.template, got, err, tt.want)
		}
	}
}
