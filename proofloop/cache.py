"""Django's Redis cache, failing open: when Redis is unreachable, reads miss and writes are
dropped (logged) instead of failing the request. The cache only holds throttling counters
and other data that can be lost; losing Redis must not take the app down with it."""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("proofloop.cache")
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)


class ResilientRedisCache(RedisCache):
    def _guard(self, operation: str, default: Any, call: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return call(*args, **kwargs)
        except UNAVAILABLE as exc:
            logger.warning("cache %s skipped, Redis unavailable: %s", operation, exc)
            return default

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._guard("get", default, super().get, key, default, version)

    def get_many(self, keys: Any, version: Any = None) -> Any:
        return self._guard("get_many", {}, super().get_many, keys, version)

    def set(self, *args: Any, **kwargs: Any) -> None:
        self._guard("set", None, super().set, *args, **kwargs)

    def set_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._guard("set_many", [], super().set_many, *args, **kwargs)

    def add(self, *args: Any, **kwargs: Any) -> bool:
        return self._guard("add", False, super().add, *args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> bool:
        return self._guard("delete", False, super().delete, *args, **kwargs)

    def touch(self, *args: Any, **kwargs: Any) -> bool:
        return self._guard("touch", False, super().touch, *args, **kwargs)

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        return self._guard("incr", delta, super().incr, key, delta, version)

    def has_key(self, key: Any, version: Any = None) -> bool:
        return self._guard("has_key", False, super().has_key, key, version)
