// Package notifytest holds what the tests of notifier types share: their
// receivers listen on 127.0.0.1, which the destination guard refuses unless
// told otherwise.
package notifytest

import "github.com/herald-notify/herald/notify"

// Loopback is the allow list that admits 127.0.0.1 and ::1, as
// --allow-destinations=127.0.0.1,::1 does.
func Loopback() *notify.AllowList {
	a, err := notify.ParseAllowList("127.0.0.1,::1")
	if err != nil {
		panic(err)
	}
	return a
}
