// Package herald holds Herald's domain: the objects notifiers hang on, jobs and
// their life, notifiers, notifications and the typed errors the API maps to
// status codes. It imports nothing of the project; every other package builds on it.
package herald

// DevVersion is the version of a build that was given none.
const DevVersion = "0.1.0-dev"

// Version is the service version, set at build time with
// -ldflags "-X github.com/herald-notify/herald.Version=1.2.3".
var Version = DevVersion

// Record is one stored object of an ObjectType: "id", "created", "modified"
// and its fields (strings, or int64 / nil for references).
type Record map[string]any

// ID returns the record's id.
func (r Record) ID() int64 { id, _ := r["id"].(int64); return id }

// FieldKind is how an object field is stored.
type FieldKind int

const (
	TextField FieldKind = iota
	RefField            // the id of another object (Ref names its collection)
)

// ObjectField declares one field of an object type.
type ObjectField struct {
	Name     string
	Kind     FieldKind
	Ref      string // collection a RefField points to
	Required bool
	ReadOnly bool
	MaxLen   int // 0: no limit beyond the body size
}

// ObjectType describes one kind of object that notifiers hang on, so that
// one piece of code serves their create, read, update and delete.
type ObjectType struct {
	Name       string // "project": the object's "type" and its attachment level
	Collection string // "projects"
	Fields     []ObjectField
	// UniqueWithin names the field the name is unique within ("" for unique overall).
	UniqueWithin string
	// Launches is the kind of job launched from it, LaunchVerb the sub-path ("launch", "update").
	Launches   JobKind
	LaunchVerb string
	// Title is how messages name it ("Job Template").
	Title string
}

// Field returns the field named name, or nil.
func (t *ObjectType) Field(name string) *ObjectField {
	for i := range t.Fields {
		if t.Fields[i].Name == name {
			return &t.Fields[i]
		}
	}
	return nil
}

var (
	name        = ObjectField{Name: "name", Required: true, MaxLen: 512}
	description = ObjectField{Name: "description"}
	orgRef      = ObjectField{Name: "organization", Kind: RefField, Ref: "organizations", Required: true}
)

// ObjectTypes are the objects of docs/api.md §2, in the order the API lists them.
var ObjectTypes = []*ObjectType{
	{Name: "organization", Title: "Organization", Collection: "organizations", Fields: []ObjectField{name, description}},
	{Name: "project", Title: "Project", Collection: "projects", UniqueWithin: "organization",
		Launches: KindProjectUpdate, LaunchVerb: "update",
		Fields: []ObjectField{name, description, orgRef, {Name: "scm_type", MaxLen: 32}, {Name: "scm_url", MaxLen: 1024}}},
	{Name: "inventory", Title: "Inventory", Collection: "inventories", UniqueWithin: "organization",
		Fields: []ObjectField{name, description, orgRef}},
	{Name: "inventory_source", Title: "Inventory Source", Collection: "inventory_sources", UniqueWithin: "inventory",
		Launches: KindInventoryUpdate, LaunchVerb: "update",
		Fields: []ObjectField{name, description, {Name: "inventory", Kind: RefField, Ref: "inventories", Required: true}, {Name: "source", MaxLen: 32}}},
	{Name: "job_template", Title: "Job Template", Collection: "job_templates", UniqueWithin: "project",
		Launches: KindJob, LaunchVerb: "launch",
		Fields: []ObjectField{name, description,
			{Name: "project", Kind: RefField, Ref: "projects", Required: true},
			{Name: "inventory", Kind: RefField, Ref: "inventories"},
			{Name: "playbook", MaxLen: 1024},
			{Name: "organization", Kind: RefField, Ref: "organizations", ReadOnly: true}}},
	{Name: "workflow_job_template", Title: "Workflow Job Template", Collection: "workflow_job_templates", UniqueWithin: "organization",
		Launches: KindWorkflowJob, LaunchVerb: "launch",
		Fields: []ObjectField{name, description, orgRef}},
	{Name: "system_job_template", Title: "System Job Template", Collection: "system_job_templates",
		Launches: KindSystemJob, LaunchVerb: "launch",
		Fields: []ObjectField{name, description, {Name: "job_type", MaxLen: 64}}},
	{Name: "team", Title: "Team", Collection: "teams", UniqueWithin: "organization",
		Fields: []ObjectField{name, description, orgRef}},
}

// ObjectTypeByCollection finds an object type by its collection name.
func ObjectTypeByCollection(collection string) *ObjectType {
	for _, t := range ObjectTypes {
		if t.Collection == collection {
			return t
		}
	}
	return nil
}

// ObjectTypeByName finds an object type by its type name ("job_template").
func ObjectTypeByName(n string) *ObjectType {
	for _, t := range ObjectTypes {
		if t.Name == n {
			return t
		}
	}
	return nil
}

// Attachable reports whether notifiers can be attached to objects of this type.
func (t *ObjectType) Attachable() bool { return t.Name != "inventory" && t.Name != "team" }

// Triggers returns the attachment lists objects of type t have: the approvals
// list only on organizations and workflow job templates.
func (t *ObjectType) Triggers() []Trigger {
	if t.Name == "organization" || t.Name == "workflow_job_template" {
		return append(AttachTriggers[:len(AttachTriggers):len(AttachTriggers)], TriggerApprovals)
	}
	return AttachTriggers
}
