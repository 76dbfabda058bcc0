/* Prints the CPython struct offsets and sizes the Tachyon helper needs, as `name value` lines
 * ("name null" when the field does not exist in this version). Compiled by gen_offsets.sh
 * against one interpreter's own headers with -DPy_BUILD_CORE; see that script. */
#include <stddef.h>
#include <stdio.h>
#include "Python.h"
#if PY_VERSION_HEX < 0x03090000
#include "internal/pycore_pystate.h"
#else
#include "internal/pycore_runtime.h"
#include "internal/pycore_interp.h"
#endif
#if PY_VERSION_HEX >= 0x030b0000
#include "internal/pycore_frame.h"
#else
#include "frameobject.h"
#endif

#define SHOW(name, value) printf("%s %lu\n", name, (unsigned long)(value))
#define NONE(name) printf("%s null\n", name)

int main(void) {
    SHOW("version_hex", PY_VERSION_HEX);
    SHOW("runtime_interpreters_head", offsetof(_PyRuntimeState, interpreters.head));
#if PY_VERSION_HEX < 0x030c0000
    /* 3.8-3.11: one GIL in the runtime. */
    SHOW("gil_locked", offsetof(_PyRuntimeState, ceval.gil.locked));
    SHOW("gil_holder", offsetof(_PyRuntimeState, ceval.gil.last_holder));
    SHOW("gil_in_runtime", 1);
#else
    /* 3.12: each interpreter's own GIL. */
    SHOW("gil_locked", offsetof(PyInterpreterState, _gil.locked));
    SHOW("gil_holder", offsetof(PyInterpreterState, _gil.last_holder));
    SHOW("gil_in_runtime", 0);
#endif
    SHOW("interpreter_id", offsetof(PyInterpreterState, id));
    SHOW("interpreter_next", offsetof(PyInterpreterState, next));
#if PY_VERSION_HEX < 0x030b0000
    SHOW("interpreter_threads_head", offsetof(PyInterpreterState, tstate_head));
#else
    SHOW("interpreter_threads_head", offsetof(PyInterpreterState, threads.head));
#endif
    SHOW("thread_size", sizeof(PyThreadState));
    SHOW("thread_next", offsetof(PyThreadState, next));
#if PY_VERSION_HEX < 0x030b0000
    SHOW("thread_frame", offsetof(PyThreadState, frame));
    NONE("cframe_current_frame");
    SHOW("thread_id", offsetof(PyThreadState, thread_id));
    SHOW("thread_id_is_native", 0);
#else
    SHOW("thread_frame", offsetof(PyThreadState, cframe));
    SHOW("cframe_current_frame", offsetof(_PyCFrame, current_frame));
    SHOW("thread_id", offsetof(PyThreadState, native_thread_id));
    SHOW("thread_id_is_native", 1);
#endif
#if PY_VERSION_HEX < 0x030b0000
    SHOW("frame_previous", offsetof(PyFrameObject, f_back));
    SHOW("frame_code", offsetof(PyFrameObject, f_code));
    SHOW("frame_instr", offsetof(PyFrameObject, f_lasti));
    NONE("frame_owner");
#else
    SHOW("frame_previous", offsetof(_PyInterpreterFrame, previous));
    SHOW("frame_code", offsetof(_PyInterpreterFrame, f_code));
    SHOW("frame_instr", offsetof(_PyInterpreterFrame, prev_instr));
    SHOW("frame_owner", offsetof(_PyInterpreterFrame, owner));
#endif
#if PY_VERSION_HEX >= 0x030b0000 && PY_VERSION_HEX < 0x030c0000
    /* 3.11 marks the first frame of each C-to-Python entry; 3.12+ push a shim frame instead. */
    SHOW("frame_is_entry", offsetof(_PyInterpreterFrame, is_entry));
#else
    NONE("frame_is_entry");
#endif
    /* The handled-exception stack: `exc_info` points at the top `_PyErr_StackItem`, whose
     * bottom one is embedded as `exc_state`. */
    SHOW("thread_exc_info", offsetof(PyThreadState, exc_info));
    SHOW("thread_exc_state", offsetof(PyThreadState, exc_state));
#if PY_VERSION_HEX < 0x030b0000
    SHOW("exc_item_value", offsetof(_PyErr_StackItem, exc_type));
#else
    SHOW("exc_item_value", offsetof(_PyErr_StackItem, exc_value));
#endif
    SHOW("exc_item_previous", offsetof(_PyErr_StackItem, previous_item));
#if PY_VERSION_HEX < 0x03090000
    /* 3.8: one garbage collector in the runtime; later, one per interpreter. */
    SHOW("gc_collecting", offsetof(_PyRuntimeState, gc.collecting));
    SHOW("gc_in_runtime", 1);
#else
    SHOW("gc_collecting", offsetof(PyInterpreterState, gc.collecting));
    SHOW("gc_in_runtime", 0);
#endif
    SHOW("code_size", sizeof(PyCodeObject));
    SHOW("code_filename", offsetof(PyCodeObject, co_filename));
    SHOW("code_name", offsetof(PyCodeObject, co_name));
#if PY_VERSION_HEX >= 0x030b0000
    SHOW("code_qualname", offsetof(PyCodeObject, co_qualname));
#else
    NONE("code_qualname");
#endif
#if PY_VERSION_HEX < 0x030a0000
    SHOW("code_linetable", offsetof(PyCodeObject, co_lnotab));
#else
    SHOW("code_linetable", offsetof(PyCodeObject, co_linetable));
#endif
    SHOW("code_firstlineno", offsetof(PyCodeObject, co_firstlineno));
#if PY_VERSION_HEX < 0x030b0000
    SHOW("code_co_code", offsetof(PyCodeObject, co_code));
    NONE("code_adaptive");
#else
    NONE("code_co_code");
    SHOW("code_adaptive", offsetof(PyCodeObject, co_code_adaptive));
#endif
    SHOW("ob_refcnt", offsetof(PyObject, ob_refcnt));
    SHOW("ob_type", offsetof(PyObject, ob_type));
    SHOW("var_ob_size", offsetof(PyVarObject, ob_size));
    SHOW("tp_name", offsetof(PyTypeObject, tp_name));
    SHOW("unicode_state", offsetof(PyASCIIObject, state));
    SHOW("unicode_length", offsetof(PyASCIIObject, length));
    SHOW("unicode_ascii_size", sizeof(PyASCIIObject));
    SHOW("unicode_compact_size", sizeof(PyCompactUnicodeObject));
    SHOW("bytes_ob_sval", offsetof(PyBytesObject, ob_sval));
    /* `dump --locals`: where a frame's local values are, their names, and the objects whose
     * short reprs are read (int, float, tuple, dict, set, cell). */
#if PY_VERSION_HEX < 0x030b0000
    SHOW("frame_localsplus", offsetof(PyFrameObject, f_localsplus));
    SHOW("code_localsplusnames", offsetof(PyCodeObject, co_varnames));
    NONE("code_localspluskinds");
#else
    SHOW("frame_localsplus", offsetof(_PyInterpreterFrame, localsplus));
    SHOW("code_localsplusnames", offsetof(PyCodeObject, co_localsplusnames));
    SHOW("code_localspluskinds", offsetof(PyCodeObject, co_localspluskinds));
#endif
    SHOW("tuple_ob_item", offsetof(PyTupleObject, ob_item));
#if PY_VERSION_HEX < 0x030c0000
    SHOW("long_ob_digit", offsetof(PyLongObject, ob_digit));
#else
    SHOW("long_ob_digit", offsetof(PyLongObject, long_value.ob_digit));
#endif
    SHOW("float_ob_fval", offsetof(PyFloatObject, ob_fval));
    SHOW("dict_ma_used", offsetof(PyDictObject, ma_used));
    SHOW("set_used", offsetof(PySetObject, used));
    SHOW("cell_ob_ref", offsetof(PyCellObject, ob_ref));
    return 0;
}
