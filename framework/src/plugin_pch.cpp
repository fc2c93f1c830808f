// Carries the precompiled header of framework/src/plugin_pch.h for in-tree plugins.
