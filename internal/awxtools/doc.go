// Package awxtools holds the tests that drive AWX's own tools (the awx.awx
// Ansible collection) against a real Herald through /api/v2/.
package awxtools
