// Package pipeline connects Graylane's stages: it takes the configurations
// sources publish, merges and validates them at the model boundary,
// translates them for every role, and publishes the snapshots. Whatever
// fails along the way is logged, counted and shown in Status, and the last
// good snapshots keep being served.
package pipeline
