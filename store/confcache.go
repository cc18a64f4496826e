package store

import (
	"sync"

	"github.com/herald-notify/herald"
)

// confCache keeps what status changes read besides the job itself: which
// notifiers a template's event fires and the names messages show. Reading
// those from the database cost more than the status change's own write.
//
// Every entry belongs to one value of config_generation, the counter that
// database triggers bump on any change to objects, notifiers or attachments
// (migration 00002). A reader passes the generation it read together with
// the job; a newer one empties the cache, an older one passes it by. Since
// the generation is read before the configuration, an entry is never older
// than its generation.
type confCache struct {
	fires     genMap[firesKey, []*herald.Notifier]
	refs      genMap[refsKey, herald.JobRefs]
	notifiers genMap[int64, *herald.Notifier] // by id, for claimed rows
}

type firesKey struct {
	kind     herald.JobKind
	template int64
	trigger  herald.Trigger
}

type refsKey struct {
	kind          herald.JobKind
	template, org int64
}

// generationColumn reads the generation in a query of other things.
const generationColumn = "(SELECT n FROM config_generation)"

// maxConfEntries bounds each map; past it the map starts over.
const maxConfEntries = 10000

// genMap holds values of one configuration generation.
type genMap[K comparable, V any] struct {
	mu  sync.Mutex
	gen int64
	m   map[K]V
}

// at moves the map to generation gen if it is newer, dropping the older
// entries, and says whether the map now holds generation gen. A reader
// with an older generation neither uses the entries nor stores its own.
// The caller holds mu.
func (c *genMap[K, V]) at(gen int64) bool {
	if gen > c.gen || c.m == nil {
		c.gen, c.m = gen, map[K]V{}
	}
	return gen == c.gen
}

func (c *genMap[K, V]) get(gen int64, k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var v V
	if !c.at(gen) {
		return v, false
	}
	v, ok := c.m[k]
	return v, ok
}

func (c *genMap[K, V]) put(gen int64, k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at(gen) {
		return
	}
	if len(c.m) >= maxConfEntries {
		clear(c.m)
	}
	c.m[k] = v
}
