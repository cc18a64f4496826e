# -*- coding: utf-8 -*-
# Reports an ansible-playbook run to Herald as a job, with AWX's per-host
# results and the failed tasks. It never fails, slows (at most `timeout` in
# all) or changes a playbook: what Herald cannot take waits in the spool that
# `herald flush` sends (the same spool and format as `herald run`,
# cmd/herald/spool.go).

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: herald
type: notification
short_description: Report playbook runs to Herald as jobs
description:
  - Launches a job of a Herald job template when the playbook starts (with an Idempotency-Key for the run) and reports it running.
  - At the end reports C(failed) when any host failed or was unreachable, C(successful) otherwise, with
    C(host_status_counts) (the sums), C(hosts) (AWX's per-host shape) and C(failures) (each failed or unreachable task,
    not ignored or rescued ones). A run interrupted with Ctrl-C is reported C(canceled).
  - With C(HERALD_JOB_ID) set it reports into that job instead of launching one. Under C(herald run)
    (C(HERALD_REPORT_FILE) set) it leaves its results in that file and C(herald run) reports them in its one final report.
  - When Herald cannot be reached or refuses, the playbook goes on unchanged (a warning, at most C(timeout) of delay in all),
    and the reports wait in the spool (C($XDG_STATE_HOME/herald/spool) or C(~/.local/state/herald/spool)) for C(herald flush).
version_added: "0.1.0"
requirements:
  - Python standard library and ansible-core's own module_utils only.
options:
  url:
    description: The Herald server.
    default: http://127.0.0.1:8080
    type: str
    env:
      - name: HERALD_URL
    ini:
      - section: callback_herald
        key: url
  token:
    description: A Herald API token (used instead of username and password when set).
    type: str
    env:
      - name: HERALD_TOKEN
    ini:
      - section: callback_herald
        key: token
  username:
    description: The Herald user to report as.
    type: str
    env:
      - name: HERALD_USERNAME
    ini:
      - section: callback_herald
        key: username
  password:
    description: The Herald user's password.
    type: str
    env:
      - name: HERALD_PASSWORD
    ini:
      - section: callback_herald
        key: password
  job_template:
    description: The job template (name or id) to launch the job from. Not needed with O(job_id).
    type: str
    env:
      - name: HERALD_JOB_TEMPLATE
    ini:
      - section: callback_herald
        key: job_template
  job_id:
    description: Report into this existing job instead of launching one (as under C(herald run)).
    type: str
    env:
      - name: HERALD_JOB_ID
    ini:
      - section: callback_herald
        key: job_id
  validate_certs:
    description: Check Herald's TLS certificate.
    type: bool
    default: true
    env:
      - name: HERALD_VALIDATE_CERTS
    ini:
      - section: callback_herald
        key: validate_certs
  timeout:
    description:
      - The most time that talking to Herald may take in all during one playbook run, in seconds (C(10), C(2.5))
        or as C(herald run) takes it (C(10s), C(500ms), C(1m)).
    type: str
    default: "10"
    env:
      - name: HERALD_TIMEOUT
    ini:
      - section: callback_herald
        key: timeout
"""

import atexit
import datetime
import json
import os
import signal
import tempfile
import time
import uuid

from ansible.module_utils.six.moves.urllib.parse import quote
from ansible.module_utils.urls import open_url
from ansible.module_utils.six.moves.urllib.error import HTTPError
from ansible.plugins.callback import CallbackBase

try:
    from ansible.playbook.block import Block
except ImportError:  # pragma: no cover - every ansible-core has it
    Block = None

KIND_COLLECTIONS = {
    "job": "jobs", "project_update": "project_updates", "inventory_update": "inventory_updates",
    "ad_hoc_command": "ad_hoc_commands", "workflow_job": "workflow_jobs", "system_job": "system_jobs",
}
MAX_FAILURES = 100
MAX_TEXT = 1024
# Answers that another try cannot change: drop the report (with a warning).
PERMANENT = (400, 404, 405, 409, 410, 413, 422)


def _now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _clip(text):
    text = "" if text is None else str(text)
    return text[:MAX_TEXT]


def _seconds(text):
    """Seconds from "10", "2.5", or a Go duration as herald run takes it ("10s", "500ms", "1m30s")."""
    text = str(text if text is not None else "10").strip()
    try:
        return max(float(text), 0.0)
    except ValueError:
        pass
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}
    total, num = 0.0, ""
    i = 0
    while i < len(text):
        c = text[i]
        if c.isdigit() or c == ".":
            num += c
            i += 1
            continue
        unit = text[i:i + 2] if text[i:i + 2] in units else c
        if not num or unit not in units:
            return None
        try:
            total += float(num) * units[unit]
        except ValueError:
            return None
        num, i = "", i + len(unit)
    if num or not text:
        return None
    return total


def _spool_dir():
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(state, "herald", "spool")


class _Unavailable(Exception):
    """Herald cannot take a report now: keep it in the spool."""


class _Refused(Exception):
    """Herald refused a report for good."""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "herald.notify.herald"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None):
        super(CallbackModule, self).__init__(display=display)
        self._pid = os.getpid()
        self._launched = False  # on_start seen
        self._finished = False  # the end reported
        self._interrupted = False
        self._job = None  # the job's API path, once known
        self._launch = None  # how to find the job again (spool entries)
        self._down = False  # Herald failed once: spool the rest
        self._gave_up = False  # Herald refused the launch: report nothing more
        self._spent = 0.0  # seconds spent talking to Herald, against the timeout
        self._warned = False
        self._spooled = False  # this run spooled: its later reports follow there
        self._failures = []
        self._check_mode = False
        self._report_file = os.environ.get("HERALD_REPORT_FILE") or None
        self._install_sigint()
        atexit.register(self._at_exit)

    # --- ansible hooks ---------------------------------------------------

    def set_options(self, task_keys=None, var_options=None, direct=None):
        try:
            super(CallbackModule, self).set_options(task_keys=task_keys, var_options=var_options, direct=direct)
        except Exception as e:  # a bad setting must not stop the playbook
            self._warn("not reporting to Herald: %s" % e)
            self._gave_up = True
            self._url = self._token = self._username = self._password = self._template = self._job_id = None
            self._validate_certs, self._timeout = True, 10.0
            self._report_file = None
            return
        self._url = (self.get_option("url") or "").rstrip("/")
        self._token = self.get_option("token")
        self._username = self.get_option("username")
        self._password = self.get_option("password")
        self._template = self.get_option("job_template")
        self._job_id = self.get_option("job_id")
        self._validate_certs = self.get_option("validate_certs")
        self._timeout = _seconds(self.get_option("timeout"))
        if self._timeout is None:
            self._warn("HERALD_TIMEOUT=%r is not a number of seconds (like 10 or 10s): using 10" % self.get_option("timeout"))
            self._timeout = 10.0

    def v2_playbook_on_start(self, playbook):
        if self._launched or (self._gave_up and not self._report_file):  # several playbooks in one run: one job
            return
        self._launched = True
        self._guard(self._start, playbook)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        if ignore_errors:
            return
        self._guard(self._record, result, self._failure_msg(result), rescued=self._rescued(result))

    def v2_runner_on_unreachable(self, result):
        if getattr(result._task, "ignore_unreachable", False):
            return
        self._guard(self._record, result, self._failure_msg(result), rescued=False)

    def v2_playbook_on_stats(self, stats):
        if not self._launched or self._finished:
            return
        self._finished = True
        self._guard(self._end, stats)

    # --- what is sent ----------------------------------------------------

    def _start(self, playbook):
        try:
            from ansible import context

            self._check_mode = bool(context.CLIARGS.get("check"))
        except Exception:
            pass
        if self._report_file:
            return  # under herald run: it launched the job and reports it
        if self._job_id:
            kind = os.environ.get("HERALD_JOB_KIND") or "job"
            collection = KIND_COLLECTIONS.get(kind, "jobs")
            self._job = "/api/v1/%s/%s/" % (collection, quote(str(self._job_id), safe=""))
        elif self._template:
            self._launch = {
                "collection": "job_templates",
                "template": str(self._template),
                "verb": "launch",
                "idempotency_key": "herald-ansible-" + uuid.uuid4().hex,
            }
            self._send(None)  # the launch alone
        else:
            self._warn("set HERALD_JOB_TEMPLATE (or HERALD_JOB_ID) to report this run to Herald")
            self._gave_up = True
            return
        self._send({"status": "running", "started": _now()})

    def _end(self, stats):
        hosts, counts = {}, dict(ok=0, changed=0, failed=0, dark=0, skipped=0, processed=0, rescued=0, ignored=0, failures=0)
        for host in sorted(stats.processed.keys()):
            s = stats.summarize(host)
            h = {
                "failed": bool(s["unreachable"] or s["failures"]),
                "changed": s["changed"],
                "dark": s["unreachable"],
                "failures": s["failures"],
                "ok": s["ok"],
                "processed": 1,
                "skipped": s["skipped"],
                "rescued": s["rescued"],
                "ignored": s["ignored"],
            }
            hosts[host] = h
            for k in ("changed", "dark", "failures", "ok", "processed", "skipped", "rescued", "ignored"):
                counts[k] += h[k]
            counts["failed"] += 1 if h["failed"] else 0
        failed = any(h["failed"] for h in hosts.values())
        report = {
            "status": "failed" if failed else "successful",
            "finished": _now(),
            "host_status_counts": counts,
            "hosts": hosts,
            "failures": self._final_failures(stats),
        }
        if self._check_mode:
            report["job_explanation"] = "check mode: changes were predicted, not made"
        self._report(report)

    def _at_exit(self):
        # The playbook ended without its summary: Ctrl-C, or an error.
        if os.getpid() != self._pid or not self._launched or self._finished:
            return
        self._finished = True
        if self._interrupted:
            report = {"status": "canceled", "job_explanation": "the playbook was interrupted (Ctrl-C)"}
        else:
            report = {"status": "error", "job_explanation": "ansible-playbook ended without a summary"}
        report["finished"] = _now()
        report["failures"] = [f for f, rescued in self._failures if not rescued][:MAX_FAILURES]
        self._guard(self._report, report)

    def _report(self, report):
        if self._report_file:
            self._write_report_file(report)
        else:
            self._send(report)

    # --- failures --------------------------------------------------------

    def _record(self, result, msg, rescued):
        failure = {
            "host": _clip(result._host.get_name()),
            "task": _clip(result._task.get_name()),
            "action": _clip(getattr(result._task, "resolved_action", None) or result._task.action),
            "msg": _clip(msg),
        }
        self._failures.append((failure, rescued))

    def _final_failures(self, stats):
        # Rescued failures are told by the task's place (in a block that has
        # a rescue); the summary's own counts decide when they disagree: a
        # host's last failures are the ones that stood.
        out = []
        by_host = {}
        for f, rescued in self._failures:
            by_host.setdefault(f["host"], []).append((f, rescued))
        for host, items in by_host.items():
            s = stats.summarize(host) if host in stats.processed else None
            kept = [f for f, rescued in items if not rescued]
            if s is not None:
                want = s["failures"] + s["unreachable"]
                if len(kept) != want:
                    kept = [f for f, _ in items][-want:] if want else []
            out.extend(kept)
        order = {id(f): i for i, (f, _) in enumerate(self._failures)}
        out.sort(key=lambda f: order[id(f)])
        return out[:MAX_FAILURES]

    @staticmethod
    def _failure_msg(result):
        r = result._result if isinstance(result._result, dict) else {}
        # A no_log task's result reaches callbacks censored: its notice is all we say.
        msg = r.get("msg") or r.get("stderr") or r.get("reason") or r.get("censored")
        if not msg and isinstance(r.get("results"), list):  # a loop: its first failed item
            for item in r["results"]:
                if isinstance(item, dict) and item.get("failed"):
                    msg = item.get("msg") or item.get("stderr")
                    if msg:
                        break
        return msg or "failed"

    @staticmethod
    def _rescued(result):
        if Block is None:
            return False
        node = result._task
        parent = getattr(node, "_parent", None)
        while parent is not None:
            if isinstance(parent, Block) and parent.rescue:
                uid = getattr(node, "_uuid", None)
                if any(getattr(t, "_uuid", None) == uid for t in parent.block):
                    return True
            node, parent = parent, getattr(parent, "_parent", None)
        return False

    # --- talking to Herald, or keeping it for later ---------------------

    def _send(self, patch):
        """Send one report (patch None: the launch alone), or spool it."""
        if self._gave_up:
            return
        entry = {"version": 1, "created": _now()}
        if self._job:
            entry["job"] = self._job
        else:
            entry["launch"] = self._launch
        if patch is not None:
            entry["patch"] = patch
        if self._down or self._spooled:
            self._spool(entry)
            return
        try:
            if not self._job:
                self._job = self._do_launch()
            if patch is not None:
                self._request("PATCH", self._job, patch)
        except _Unavailable as e:
            self._down = True
            self._warn("Herald did not take the report (%s); it waits in %s for `herald flush`" % (e, _spool_dir()))
            self._spool(entry)
        except _Refused as e:
            self._warn("Herald refused the report: %s" % e)
            if not self._job:
                self._gave_up = True

    def _do_launch(self):
        template = self._launch["template"]
        if not template.isdigit():
            page = self._request("GET", "/api/v1/job_templates/?name=" + quote(template, safe=""))
            results = (page or {}).get("results") or []
            if len(results) != 1:
                raise _Refused("%d job templates are named %r" % (len(results), template))
            template = str(results[0]["id"])
        job = self._request("POST", "/api/v1/job_templates/%s/launch/" % template, {},
                            {"Idempotency-Key": self._launch["idempotency_key"]})
        if not job or not job.get("url"):
            raise _Refused("the launch answer has no job url")
        return job["url"]

    def _request(self, method, path, body=None, headers=None):
        remaining = self._timeout - self._spent
        if remaining <= 0.05:
            raise _Unavailable("HERALD_TIMEOUT (%gs) used up" % self._timeout)
        h = {"Content-Type": "application/json", "Accept": "application/json"}
        h.update(headers or {})
        kw = {}
        if self._token:
            h["Authorization"] = "Bearer " + self._token
        elif self._username:
            kw = dict(url_username=self._username, url_password=self._password or "", force_basic_auth=True)
        data = json.dumps(body) if body is not None else None
        began = time.monotonic()
        try:
            resp = open_url(self._url + path, data=data, headers=h, method=method, timeout=remaining,
                            validate_certs=self._validate_certs, follow_redirects="none", use_netrc=False, **kw)
            text = resp.read()
        except HTTPError as e:
            detail = ""
            try:
                detail = e.read()[:300].decode("utf-8", "replace")
            except Exception:
                pass
            msg = "%s %s: %s %s" % (method, path, e.code, detail)
            if e.code in PERMANENT:
                raise _Refused(msg)
            raise _Unavailable(msg)
        except Exception as e:  # unreachable, timed out, TLS...
            raise _Unavailable("%s %s: %s" % (method, path, e))
        finally:
            self._spent += time.monotonic() - began
        try:
            return json.loads(text) if text else None
        except ValueError:
            return None

    def _spool(self, entry):
        self._spooled = True
        d = _spool_dir()
        try:
            if not os.path.isdir(d):
                os.makedirs(d, 0o700)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=d)
            with os.fdopen(fd, "w") as f:
                json.dump(entry, f)
            os.replace(tmp, os.path.join(d, "%020d-%d.json" % (time.time_ns(), os.getpid())))
        except Exception as e:
            self._warn("could not keep a report in %s: %s" % (d, e))

    def _write_report_file(self, report):
        """Under herald run: leave the results for its final report, added
        to those of an earlier playbook of the same command."""
        path = self._report_file
        try:
            with open(path) as f:
                earlier = json.load(f)
        except Exception:
            earlier = None
        if isinstance(earlier, dict):
            hosts = dict(earlier.get("hosts") or {})
            hosts.update(report.get("hosts") or {})
            report["hosts"] = hosts
            counts = dict(earlier.get("host_status_counts") or {})
            for k, v in (report.get("host_status_counts") or {}).items():
                counts[k] = counts.get(k, 0) + v
            if counts:
                report["host_status_counts"] = counts
            report["failures"] = ((earlier.get("failures") or []) + (report.get("failures") or []))[:MAX_FAILURES]
            if earlier.get("status") in ("failed", "canceled", "error") and report.get("status") == "successful":
                report["status"] = earlier["status"]
        try:
            fd, tmp = tempfile.mkstemp(prefix=".herald-report-", dir=os.path.dirname(path) or ".")
            with os.fdopen(fd, "w") as f:
                json.dump(report, f)
            os.replace(tmp, path)
        except Exception as e:
            self._warn("could not write %s: %s" % (path, e))

    # --- never in the playbook's way -------------------------------------

    def _guard(self, fn, *args, **kwargs):
        try:
            fn(*args, **kwargs)
        except Exception as e:  # a reporter's bug must not fail the playbook
            self._warn("%s: %s" % (type(e).__name__, e))

    def _warn(self, msg):
        if self._warned and self._down:
            return  # one warning about an unreachable Herald is enough
        self._warned = True
        try:
            self._display.warning("herald: " + msg)
        except Exception:
            pass

    def _install_sigint(self):
        try:
            previous = signal.getsignal(signal.SIGINT)
        except Exception:
            return
        if previous in (signal.SIG_IGN, None):
            return  # SIGINT is ignored (a background job): leave it so

        def on_sigint(signum, frame):
            self._interrupted = True
            if callable(previous):
                return previous(signum, frame)
            raise KeyboardInterrupt

        try:
            signal.signal(signal.SIGINT, on_sigint)
        except Exception:  # not the main thread
            pass
