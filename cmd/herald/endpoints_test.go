package main

import "testing"

// Every type's declared endpoint gets its default, or the operator's value.
func TestEndpointsReadEveryDeclaredVariable(t *testing.T) {
	got := endpoints(func(string) string { return "" })
	if got["HERALD_TELEGRAM_API_URL"] != "https://api.telegram.org" {
		t.Errorf("endpoints = %v, want Telegram's default", got)
	}
	got = endpoints(func(k string) string {
		if k == "HERALD_TELEGRAM_API_URL" {
			return "http://proxy.internal:8081"
		}
		return ""
	})
	if got["HERALD_TELEGRAM_API_URL"] != "http://proxy.internal:8081" {
		t.Errorf("endpoints = %v, want the override", got)
	}
}
