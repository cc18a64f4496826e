package herald_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReferencesPointInside: the code and the README cite the API
// reference as docs/api.md §N; the file must be in the repository and have
// every section cited, and nothing may cite an docs/api.md that is not there.
func TestReferencesPointInside(t *testing.T) {
	ref, err := os.ReadFile("docs/api.md")
	if err != nil {
		t.Fatalf("the API reference is missing: %v", err)
	}
	sections := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^## (\d+)\.`).FindAllStringSubmatch(string(ref), -1) {
		sections[m[1]] = true
	}
	cite := regexp.MustCompile(`docs/api\.md(?:'s)?(?: §(\d+)(?:[–-]§?(\d+))?(?:, §(\d+))*)?`)
	bare := regexp.MustCompile(`(^|[^/\w])API\.md`)
	cited := 0
	err = filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules" || strings.HasPrefix(d.Name(), "herald-data")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !(strings.HasSuffix(path, ".go") || strings.HasSuffix(path, ".md") || strings.HasSuffix(path, ".js") || strings.HasSuffix(path, ".html")) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		text := string(b)
		if path != "docs_test.go" && bare.MatchString(text) {
			t.Errorf("%s cites docs/api.md, which is not in the repository: cite docs/api.md", path)
		}
		for _, m := range cite.FindAllStringSubmatch(text, -1) {
			cited++
			for _, n := range m[1:] {
				if n != "" && !sections[n] {
					t.Errorf("%s cites docs/api.md §%s, which has no such section", path, n)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if cited < 20 {
		t.Errorf("only %d citations of docs/api.md found", cited)
	}
}
