package herald

import "time"

// Object is the part every stored object shares.
type Object struct {
	ID       int64     `json:"id"`
	Created  time.Time `json:"created"`
	Modified time.Time `json:"modified"`
}
