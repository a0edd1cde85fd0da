/**
 * Imported first by the server entry: React, Express and Remix choose their production
 * code paths from NODE_ENV when they load, so an unset NODE_ENV must mean production
 * before any of them is imported (the development builds render several times slower).
 */
process.env.NODE_ENV ??= 'production';
