//go:build unix

package connlimit

import "syscall"

// RaiseFileLimit raises the soft limit on open descriptors to the hard
// limit, where the OS allows (Go does so itself at start on most Unix
// systems; this makes it explicit and says what the limit is), and returns
// the soft limit in force afterwards.
func RaiseFileLimit() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	if lim.Cur < lim.Max {
		raised := lim
		raised.Cur = raised.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised); err == nil {
			lim = raised
		}
	}
	return lim.Cur, nil
}
