/**
 * Testing aids for users: {@link dev.kiln.testing.GradCheck} compares gradients with float64 central
 * differences, usable from JUnit or any property-based testing library.
 */
package dev.kiln.testing;
