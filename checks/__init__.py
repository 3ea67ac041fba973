"""The built-in checks, one module per check, named after its code (``d103_class_id_out_of_range``).

Installed as ``preflight.checks``. Nothing imports these modules by name: the registry
discovers them (see ``preflight.registry``).
"""
