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
// the job; a different one empties the cache. Since the generation is read
// before the configuration, an entry is never older than its generation.
type confCache struct {
	mu    sync.Mutex
	gen   int64
	fires map[firesKey][]*herald.Notifier
	refs  map[refsKey]herald.JobRefs
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

// maxConfEntries bounds each map; past it the map starts over.
const maxConfEntries = 10000

func newConfCache() *confCache {
	return &confCache{gen: -1, fires: map[firesKey][]*herald.Notifier{}, refs: map[refsKey]herald.JobRefs{}}
}

// at moves the cache to generation gen if it is newer, dropping the older
// entries, and says whether the cache now holds generation gen. A reader
// with an older generation neither uses the entries nor stores its own.
// The caller holds mu.
func (c *confCache) at(gen int64) bool {
	if gen > c.gen {
		c.gen = gen
		clear(c.fires)
		clear(c.refs)
	}
	return gen == c.gen
}

func (c *confCache) getFires(gen int64, k firesKey) ([]*herald.Notifier, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at(gen) {
		return nil, false
	}
	ns, ok := c.fires[k]
	return ns, ok
}

func (c *confCache) putFires(gen int64, k firesKey, ns []*herald.Notifier) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at(gen) {
		return
	}
	if len(c.fires) >= maxConfEntries {
		clear(c.fires)
	}
	c.fires[k] = ns
}

func (c *confCache) getRefs(gen int64, k refsKey) (herald.JobRefs, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at(gen) {
		return herald.JobRefs{}, false
	}
	r, ok := c.refs[k]
	return r, ok
}

func (c *confCache) putRefs(gen int64, k refsKey, r herald.JobRefs) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at(gen) {
		return
	}
	if len(c.refs) >= maxConfEntries {
		clear(c.refs)
	}
	c.refs[k] = r
}
