/* posix-on-win: export macros and common types for the prefixed (pow_*) API. */
#ifndef POW_CONFIG_H
#define POW_CONFIG_H

#if defined(POW_BUILDING_DLL)
#define POW_API __declspec(dllexport)
#else
#define POW_API
#endif

#ifdef __cplusplus
#define POW_BEGIN_DECLS extern "C" {
#define POW_END_DECLS }
#else
#define POW_BEGIN_DECLS
#define POW_END_DECLS
#endif

#include <stddef.h>
#include <sys/types.h>
#if defined(_MSC_VER) && !defined(_SSIZE_T_DEFINED)
#include <BaseTsd.h>
typedef SSIZE_T ssize_t;
#define _SSIZE_T_DEFINED
#endif

#endif /* POW_CONFIG_H */
