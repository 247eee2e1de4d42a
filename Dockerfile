# One image for every process of the platform; the command picks the service.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY common/package.json common/
COPY checkout/package.json checkout/
COPY waiting-room/package.json waiting-room/
COPY client/package.json client/
RUN npm ci --ignore-scripts
COPY tsconfig.base.json tsconfig.json ./
COPY common common
COPY checkout checkout
COPY waiting-room waiting-room
COPY client client
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY --from=build /app /app
USER node
EXPOSE 3000
HEALTHCHECK --interval=5s --timeout=2s --retries=5 CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "waiting-room/dist/all-in-one.js"]
